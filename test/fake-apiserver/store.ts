// The object store behind every resource: one global resourceVersion counter, objects per
// resource, the bounded event history that watches resume from, namespace and ownerReference
// cascades, and the create/update/patch/delete semantics of the apiserver's registry.

import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  namespaceNotFound,
  notFound,
  STALE_OBJECT,
} from './api-error.js';
import { customResourceKey } from './crd/crd-resource.js';
import type { StrategyProvider } from './kind-strategies.js';
import { apiVersionOf, CRD_KEY, splitApiVersion, type ResourceDef, type ResourceTable } from './resources.js';
import { matchesFields, matchesLabels, type FieldSelector, type LabelSelector } from './selectors.js';
import { deepClone, isRecord, type KubeObject } from './types.js';

export interface StoredEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly def: ResourceDef;
  /** The object after the change (for DELETED: its last state, carrying the deletion's resourceVersion). */
  readonly object: KubeObject;
  /** For MODIFIED: the object before the change. */
  readonly prev?: KubeObject;
}

export interface Selection {
  readonly namespace?: string;
  readonly labels?: LabelSelector;
  readonly fields?: FieldSelector;
}

export interface DeletePreconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return out;
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Everything but metadata and status: what `generation` tracks. */
function specContent(obj: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): string => {
    const { resourceVersion: _rv, ...meta } = o.metadata;
    return JSON.stringify({ ...o, apiVersion: '', metadata: meta });
  };
  return strip(a) === strip(b);
}

export class ObjectStore {
  private rv: number;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly uids = new Map<string, { def: ResourceDef; namespace: string; name: string }>();
  private history: StoredEvent[] = [];
  /** Events at or below this resourceVersion are no longer in the history. */
  private compactedRv: number;
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  constructor(
    private readonly table: ResourceTable,
    private readonly strategyFor: StrategyProvider,
    private readonly historyWindow: number,
    startRv = 1,
  ) {
    this.rv = startRv;
    this.compactedRv = startRv;
  }

  resourceVersion(): number {
    return this.rv;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events after `rv`, or 'expired' with the oldest resourceVersion still resumable. */
  eventsAfter(rv: number): StoredEvent[] | { expired: number } {
    if (rv < this.compactedRv) return { expired: this.compactedRv };
    return this.history.filter((e) => e.rv > rv);
  }

  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  private bucket(def: ResourceDef): Map<string, KubeObject> {
    let b = this.objects.get(def.key);
    if (b === undefined) {
      b = new Map();
      this.objects.set(def.key, b);
    }
    return b;
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > this.historyWindow) {
      const dropped = this.history.shift();
      if (dropped !== undefined) this.compactedRv = dropped.rv;
    }
    for (const listener of [...this.listeners]) listener(event);
  }

  private nsOf(def: ResourceDef, namespace: string | undefined): string {
    return def.namespaced ? (namespace ?? '') : '';
  }

  private requireNamespace(def: ResourceDef, namespace: string): void {
    if (!def.namespaced) return;
    if (namespace === '') throw badRequest('the server could not find the requested resource: a namespace is required');
    const nsDef = this.table.byKey('/namespaces');
    if (nsDef === undefined || !this.bucket(nsDef).has(objectKey('', namespace))) throw namespaceNotFound(namespace);
  }

  private validateName(def: ResourceDef, name: string): void {
    const [pattern, max, what] =
      def.key === '/services'
        ? [LABEL_1035, 63, 'a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character']
        : def.key === '/namespaces'
          ? [LABEL_1123, 63, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character']
          : [SUBDOMAIN, 253, 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character'];
    if (name.length > max || !pattern.test(name)) {
      throw invalid(def, name, 'metadata.name', `Invalid value: "${name}": ${what}`);
    }
  }

  /** Checks kind/apiVersion/namespace of a request body against the URL it was sent to. */
  private checkBody(def: ResourceDef, version: string, namespace: string, body: unknown): KubeObject {
    if (!isRecord(body)) throw badRequest('the body of the request must be a JSON object');
    if (body.metadata === undefined) body.metadata = {};
    if (!isRecord(body.metadata)) throw badRequest('metadata must be an object');
    if (body.kind !== undefined && body.kind !== def.kind) {
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(def.group, version)})`);
    }
    if (body.apiVersion !== undefined) {
      const { group } = splitApiVersion(String(body.apiVersion));
      if (group !== def.group) {
        throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(def.group, version)})`);
      }
    }
    const obj = deepClone(body) as KubeObject;
    // Custom resources are stored at the CRD's storage version (conversion None: apiVersion only).
    obj.apiVersion = apiVersionOf(def.group, def.custom?.storageVersion ?? version);
    obj.kind = def.kind;
    if (def.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const found = this.bucket(def).get(objectKey(this.nsOf(def, namespace), name));
    if (found === undefined) throw notFound(def, name);
    return deepClone(found);
  }

  /** Objects of `def` in the selection, sorted by namespace then name, with the collection's resourceVersion. */
  list(def: ResourceDef, selection: Selection = {}): { items: KubeObject[]; resourceVersion: number } {
    const { entries, resourceVersion } = this.listShared(def, selection);
    return { items: entries.map(([, obj]) => deepClone(obj)), resourceVersion };
  }

  /**
   * list() without the copies: `namespace/name` keys (the order `continue` tokens compare in) with
   * the stored objects themselves, for a caller that only serializes a page of them at once. At
   * 10k objects, cloning all of them for each 500-object page made a relist take seconds.
   */
  listShared(def: ResourceDef, selection: Selection = {}): { entries: readonly (readonly [string, KubeObject])[]; resourceVersion: number } {
    const entries: [string, KubeObject][] = [];
    for (const [key, obj] of this.bucket(def)) {
      if (this.matches(def, obj, selection)) entries.push([key, obj]);
    }
    // Plain code-unit order.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { entries, resourceVersion: this.rv };
  }

  matches(def: ResourceDef, obj: KubeObject, selection: Selection): boolean {
    if (def.namespaced && selection.namespace !== undefined && obj.metadata.namespace !== selection.namespace) return false;
    if (selection.labels !== undefined && !matchesLabels(selection.labels, obj.metadata.labels)) return false;
    if (selection.fields !== undefined && !matchesFields(selection.fields, obj)) return false;
    return true;
  }

  create(def: ResourceDef, version: string, namespace: string | undefined, body: unknown): KubeObject {
    const ns = this.nsOf(def, namespace);
    const obj = this.checkBody(def, version, ns, body);
    const meta = obj.metadata;
    if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
      meta.name = meta.generateName + randomSuffix();
    }
    const name = meta.name ?? '';
    if (name === '') {
      throw invalid(def, '', 'metadata.name', 'Required value: name or generateName is required', 'FieldValueRequired');
    }
    this.validateName(def, name);
    this.requireNamespace(def, ns);
    const bucket = this.bucket(def);
    if (bucket.has(objectKey(ns, name))) throw alreadyExists(def, name);

    for (const serverSet of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']) delete meta[serverSet];
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    meta.generation = 1;
    if (def.statusSubresource) delete obj.status;
    this.strategyFor(def).prepareCreate?.(obj, { def, version });

    this.rv++;
    meta.resourceVersion = String(this.rv);
    bucket.set(objectKey(ns, name), obj);
    this.uids.set(meta.uid, { def, namespace: ns, name });
    this.record({ rv: this.rv, type: 'ADDED', def, object: deepClone(obj) });
    return deepClone(obj);
  }

  /** PUT of the main resource (`status` false) or of the status subresource. */
  update(def: ResourceDef, version: string, namespace: string | undefined, name: string, body: unknown, status: boolean): KubeObject {
    const ns = this.nsOf(def, namespace);
    const incoming = this.checkBody(def, version, ns, body);
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    }
    return this.commitUpdate(def, version, ns, name, incoming, status);
  }

  /** PATCH: `apply` turns the current object into the patched one (merge or JSON patch). */
  patch(
    def: ResourceDef,
    version: string,
    namespace: string | undefined,
    name: string,
    apply: (current: KubeObject) => unknown,
    status: boolean,
  ): KubeObject {
    const ns = this.nsOf(def, namespace);
    const current = this.get(def, ns, name);
    const patched = apply(current);
    const incoming = this.checkBody(def, version, ns, patched);
    if (incoming.metadata.name !== name) throw badRequest('metadata.name may not be changed by a patch');
    return this.commitUpdate(def, version, ns, name, incoming, status);
  }

  private commitUpdate(def: ResourceDef, version: string, ns: string, name: string, incoming: KubeObject, status: boolean): KubeObject {
    const bucket = this.bucket(def);
    const current = bucket.get(objectKey(ns, name));
    if (current === undefined) throw notFound(def, name);
    const wantRv = incoming.metadata.resourceVersion;
    if (wantRv !== undefined && wantRv !== '' && wantRv !== current.metadata.resourceVersion) {
      throw conflict(def, name, STALE_OBJECT);
    }
    let next: KubeObject;
    if (status) {
      next = deepClone(current);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
      this.strategyFor(def).prepareStatusUpdate?.(next, current, { def, version });
    } else {
      next = incoming;
      const keep = ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp'] as const;
      const meta: Record<string, unknown> = next.metadata;
      for (const k of keep) {
        if (current.metadata[k] === undefined) delete meta[k];
        else meta[k] = current.metadata[k];
      }
      next.metadata.name = name;
      if (def.statusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = deepClone(current.status);
      }
      this.strategyFor(def).prepareUpdate?.(next, current, { def, version });
      if (specContent(next) !== specContent(current)) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    // An update that changes nothing is not written, and the resourceVersion stays, as in the real server.
    if (sameContent(next, current)) return deepClone(current);

    this.rv++;
    next.metadata.resourceVersion = String(this.rv);
    bucket.set(objectKey(ns, name), next);
    this.record({ rv: this.rv, type: 'MODIFIED', def, object: deepClone(next), prev: deepClone(current) });
    return deepClone(next);
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string, pre: DeletePreconditions = {}): KubeObject {
    const ns = this.nsOf(def, namespace);
    const current = this.bucket(def).get(objectKey(ns, name));
    if (current === undefined) throw notFound(def, name);
    if (pre.uid !== undefined && pre.uid !== current.metadata.uid) {
      throw conflict(def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
    }
    const gone = new Set<string>();
    if (def.key === '/namespaces') this.deleteNamespaceContents(name, gone);
    if (def.key === CRD_KEY) this.deleteCustomResources(current, gone);
    const deleted = this.remove(def, ns, name, gone);
    this.collectGarbage(gone);
    return deleted;
  }

  private remove(def: ResourceDef, ns: string, name: string, gone: Set<string>): KubeObject {
    const bucket = this.bucket(def);
    const obj = bucket.get(objectKey(ns, name));
    if (obj === undefined) throw notFound(def, name);
    bucket.delete(objectKey(ns, name));
    if (obj.metadata.uid !== undefined) {
      this.uids.delete(obj.metadata.uid);
      gone.add(obj.metadata.uid);
    }
    this.strategyFor(def).afterDelete?.(obj);
    this.rv++;
    const last = deepClone(obj);
    last.metadata.resourceVersion = String(this.rv);
    this.record({ rv: this.rv, type: 'DELETED', def, object: deepClone(last) });
    return last;
  }

  private deleteNamespaceContents(namespace: string, gone: Set<string>): void {
    for (const def of this.table.all) {
      if (!def.namespaced) continue;
      for (const obj of [...this.bucket(def).values()]) {
        if (obj.metadata.namespace === namespace) this.remove(def, namespace, obj.metadata.name ?? '', gone);
      }
    }
  }

  /** A CRD's deletion takes all its custom resources with it (the apiserver's cleanup finalizer). */
  private deleteCustomResources(crd: KubeObject, gone: Set<string>): void {
    const def = this.table.byKey(customResourceKey(crd));
    if (def === undefined) return;
    for (const obj of [...this.bucket(def).values()]) this.remove(def, obj.metadata.namespace ?? '', obj.metadata.name ?? '', gone);
  }

  /**
   * Deletes the dependents of the objects just deleted once none of their owners exist, then their
   * dependents in turn, as the garbage collector's background propagation ends up doing. Objects
   * whose owners never existed are left alone (the real collector would remove them too, but only
   * when it gets to them; tests should not depend on that).
   */
  private collectGarbage(gone: Set<string>): void {
    for (let changed = true; changed; ) {
      changed = false;
      for (const def of this.table.all) {
        for (const obj of [...this.bucket(def).values()]) {
          const owners = obj.metadata.ownerReferences;
          if (owners === undefined || !owners.some((o) => gone.has(o.uid))) continue;
          if (owners.some((o) => this.uids.has(o.uid))) continue;
          this.remove(def, obj.metadata.namespace ?? '', obj.metadata.name ?? '', gone);
          changed = true;
        }
      }
    }
  }
}
