// The working set of records a source has seen (imports, slices, namespaces and the local cluster
// id), and the immutable ObjectSnapshots published from it. Sources apply changes (one at a time, or a whole relist/file reload through replaceAll) and
// then commit(); a snapshot is published only when the data really differs from the last one, and
// it shares every import and per-service slice array that did not change.

import { BucketedMap } from './bucketed-map.js';
import { deepFreeze, recordsEqual } from './record-values.js';
import {
  serviceKey,
  type ImportRecord,
  type ObjectSnapshot,
  type ServiceKey,
  type SliceRecord,
} from './model.js';

/** Everything a source knows at once (a relist, a file reload). */
export interface StoreContents {
  readonly imports: Iterable<ImportRecord>;
  readonly slices: Iterable<SliceRecord>;
  readonly namespaces: Iterable<string>;
  /** The local cluster id the contents name (absent: none). */
  readonly localCluster?: string | null;
}

export type SnapshotListener = (snapshot: ObjectSnapshot) => void;

export interface SnapshotStoreOptions {
  /** Where a listener's exception goes; the other listeners still run. Default: rethrown after all ran. */
  readonly onListenerError?: (err: unknown) => void;
}

const EMPTY_SNAPSHOT: ObjectSnapshot = Object.freeze({
  version: 0,
  namespaces: new Set<string>(),
  imports: BucketedMap.empty<ImportRecord>(),
  slices: BucketedMap.empty<readonly SliceRecord[]>(),
  changed: 'all',
  localCluster: null,
});

export class SnapshotStore {
  private published: ObjectSnapshot = EMPTY_SNAPSHOT;
  private readonly imports = new Map<ServiceKey, ImportRecord>();
  /** Keyed by `namespace/sliceName`. */
  private readonly slices = new Map<string, SliceRecord>();
  /**
   * Slices of each service, ordered by slice name (so reloads compare equal), frozen: the array a
   * snapshot publishes for the service, replaced (never changed) when one of them changes.
   */
  private readonly slicesByService = new Map<ServiceKey, readonly SliceRecord[]>();
  private namespaces = new Set<string>();
  /** Services touched since the last commit (the commit checks whether they really changed). */
  private readonly dirty = new Set<ServiceKey>();
  private namespacesDirty = false;
  private localCluster: string | null = null;
  private readonly listeners = new Set<SnapshotListener>();

  constructor(private readonly options: SnapshotStoreOptions = {}) {}

  current(): ObjectSnapshot {
    return this.published;
  }

  /** Called with each snapshot commit() publishes. Returns the unsubscribe function. */
  subscribe(listener: SnapshotListener): () => void {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const entry: SnapshotListener = (snapshot) => listener(snapshot);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  upsertImport(record: ImportRecord): void {
    const key = serviceKey(record.namespace, record.name);
    const previous = this.imports.get(key);
    if (previous !== undefined && recordsEqual(previous, record)) return;
    this.imports.set(key, deepFreeze(record));
    this.dirty.add(key);
  }

  deleteImport(namespace: string, name: string): void {
    const key = serviceKey(namespace, name);
    if (this.imports.delete(key)) this.dirty.add(key);
  }

  upsertSlice(record: SliceRecord): void {
    const id = `${record.namespace}/${record.name}`;
    const previous = this.slices.get(id);
    if (previous !== undefined) {
      if (recordsEqual(previous, record)) return;
      // The service-name label may have changed: the slice leaves its old service.
      this.removeFromService(previous);
    }
    const frozen = deepFreeze(record);
    this.slices.set(id, frozen);
    const key = serviceKey(frozen.namespace, frozen.serviceName);
    const group = (this.slicesByService.get(key) ?? []).filter((r) => r.name !== frozen.name);
    let at = group.findIndex((r) => r.name > frozen.name);
    if (at < 0) at = group.length;
    group.splice(at, 0, frozen);
    // slice(): an exact-size copy (a filtered array keeps spare room).
    this.slicesByService.set(key, Object.freeze(group.slice()));
    this.dirty.add(key);
  }

  deleteSlice(namespace: string, sliceName: string): void {
    const id = `${namespace}/${sliceName}`;
    const previous = this.slices.get(id);
    if (previous === undefined) return;
    this.slices.delete(id);
    this.removeFromService(previous);
  }

  addNamespace(name: string): void {
    if (this.namespaces.has(name)) return;
    this.namespaces.add(name);
    this.namespacesDirty = true;
  }

  deleteNamespace(name: string): void {
    if (this.namespaces.delete(name)) this.namespacesDirty = true;
  }

  /** Sets (or, with null, clears) the local cluster id; a snapshot is published when it differs. */
  setLocalCluster(id: string | null): void {
    this.localCluster = id;
  }

  /**
   * Makes the working set exactly `contents`, through the same upserts and deletes as single
   * changes, so only what differs is marked. Later duplicates (same key) win.
   */
  replaceAll(contents: StoreContents): void {
    const imports = new Map<ServiceKey, ImportRecord>();
    for (const record of contents.imports) imports.set(serviceKey(record.namespace, record.name), record);
    for (const [key, record] of this.imports) {
      if (!imports.has(key)) this.deleteImport(record.namespace, record.name);
    }
    for (const record of imports.values()) this.upsertImport(record);

    const slices = new Map<string, SliceRecord>();
    for (const record of contents.slices) slices.set(`${record.namespace}/${record.name}`, record);
    for (const [id, record] of this.slices) {
      if (!slices.has(id)) this.deleteSlice(record.namespace, record.name);
    }
    for (const record of slices.values()) this.upsertSlice(record);

    const namespaces = new Set(contents.namespaces);
    if (!setsEqual(namespaces, this.namespaces)) {
      this.namespaces = namespaces;
      this.namespacesDirty = true;
    }
    this.localCluster = contents.localCluster ?? null;
  }

  /**
   * Publishes a new snapshot if the working set differs from the current one, and returns it;
   * returns null (publishing nothing) when it does not. `changed` lists the services whose import
   * or slices differ; it is 'all' when the set of namespaces changed, since a namespace's
   * existence decides the answers for every name under it. A change of the local cluster id
   * alone publishes a snapshot that lists no service.
   */
  commit(): ObjectSnapshot | null {
    const previous = this.published;
    const changedImports = new Map<ServiceKey, ImportRecord | undefined>();
    const changedSlices = new Map<ServiceKey, readonly SliceRecord[] | undefined>();
    for (const key of this.dirty) {
      const record = this.imports.get(key);
      const oldRecord = previous.imports.get(key);
      if (record !== oldRecord && !(record && oldRecord && recordsEqual(record, oldRecord))) {
        changedImports.set(key, record);
      }
      const slices = this.sliceArray(key);
      if (!sliceArraysEqual(slices, previous.slices.get(key))) changedSlices.set(key, slices);
    }
    this.dirty.clear();
    const namespacesChanged = this.namespacesDirty && !setsEqual(this.namespaces, previous.namespaces);
    this.namespacesDirty = false;
    const localClusterChanged = this.localCluster !== previous.localCluster;
    if (changedImports.size === 0 && changedSlices.size === 0 && !namespacesChanged && !localClusterChanged) return null;

    const snapshot: ObjectSnapshot = Object.freeze({
      version: previous.version + 1,
      namespaces: namespacesChanged ? new Set(this.namespaces) : previous.namespaces,
      imports: withChanges(previous.imports, changedImports),
      slices: withChanges(previous.slices, changedSlices),
      changed: namespacesChanged ? 'all' : new Set([...changedImports.keys(), ...changedSlices.keys()]),
      localCluster: this.localCluster,
    });
    this.published = snapshot;
    this.notify(snapshot);
    return snapshot;
  }

  private removeFromService(record: SliceRecord): void {
    const key = serviceKey(record.namespace, record.serviceName);
    const group = this.slicesByService.get(key);
    if (group === undefined) return;
    const rest = group.filter((r) => r.name !== record.name);
    if (rest.length === 0) this.slicesByService.delete(key);
    else this.slicesByService.set(key, Object.freeze(rest.slice()));
    this.dirty.add(key);
  }

  /** The service's slices ordered by slice name, or undefined if none. */
  private sliceArray(key: ServiceKey): readonly SliceRecord[] | undefined {
    return this.slicesByService.get(key);
  }

  private notify(snapshot: ObjectSnapshot): void {
    const failures: unknown[] = [];
    for (const listener of [...this.listeners]) {
      try {
        listener(snapshot);
      } catch (err) {
        if (this.options.onListenerError) this.options.onListenerError(err);
        else failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}

/** `base` with the given entries replaced (undefined: removed), sharing what did not change; `base` when none. */
function withChanges<V>(
  base: ReadonlyMap<ServiceKey, V>,
  changes: ReadonlyMap<ServiceKey, V | undefined>,
): ReadonlyMap<ServiceKey, V> {
  if (changes.size === 0) return base;
  return BucketedMap.from(base).withChanges(changes);
}

function sliceArraysEqual(
  a: readonly SliceRecord[] | undefined,
  b: readonly SliceRecord[] | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  return a.every((record, i) => record === b[i] || recordsEqual(record, b[i]));
}

function setsEqual(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const value of a) if (!b.has(value)) return false;
  return true;
}
