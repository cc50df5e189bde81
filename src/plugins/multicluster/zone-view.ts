// The multicluster plugin's immutable view of one object snapshot: per service, its import, its
// ready endpoints with their per-pod names and, for a headless service, the local cluster its
// answers prefer; an index of clusterset IPs and endpoint addresses for PTR. Built incrementally:
// only the services a snapshot marks as changed are recomputed, and the headless ones when the
// local cluster changes.

import { BucketedMap, BucketedMapEdit } from '../../sources/bucketed-map.js';
import { endpointLabel } from '../../sources/canonical-ip.js';
import type { ImportRecord, ObjectSnapshot, PortRecord, ServiceKey, SliceRecord } from '../../sources/model.js';

export interface EndpointView {
  /** The per-pod label: hostname, or the address with `.`/`:` replaced by `-`. */
  readonly label: string;
  readonly clusterId: string;
  readonly address: string;
  readonly family: 4 | 6;
  /** The ports of the slice the endpoint came from (headless SRV uses them). */
  readonly ports: readonly PortRecord[];
}

export interface ServiceView {
  readonly key: ServiceKey;
  readonly imp: ImportRecord;
  /** The snapshot's slice array this view was built from (identity tells whether it is current). */
  readonly slices: readonly SliceRecord[] | undefined;
  /** Ready endpoints across clusters (empty with `noendpoints`). */
  readonly endpoints: readonly EndpointView[];
  /** `${label}.${clusterId}` -> endpoints with that name in that cluster. */
  readonly hosts: ReadonlyMap<string, readonly EndpointView[]>;
  /**
   * The local cluster, whose ready endpoints a headless service's A/AAAA and SRV answers list alone
   * when it has any (see synthesize.ts); null for ClusterSetIP imports and without a local cluster.
   * Part of the view, not of the query, so the answers encoded per view stay right.
   */
  readonly preferCluster: string | null;
}

export type PtrOwner =
  | { readonly kind: 'service'; readonly key: ServiceKey }
  | { readonly kind: 'endpoint'; readonly key: ServiceKey; readonly host: string };

export interface ZoneView {
  readonly version: number;
  readonly namespaces: ReadonlySet<string>;
  readonly services: ReadonlyMap<ServiceKey, ServiceView>;
  /** Address (canonical text) -> the names it points back to; empty when no reverse zone is served. */
  readonly reverse: ReadonlyMap<string, readonly PtrOwner[]>;
  /** The local cluster this view was built for (ViewOptions.localCluster). */
  readonly localCluster: string | null;
}

export interface ViewOptions {
  readonly noEndpoints: boolean;
  readonly reverse: boolean;
  /** The local cluster id (`local_cluster`, given or read), or null. */
  readonly localCluster: string | null;
}

/**
 * A service's view. Its endpoint list and per-pod name index are derived from the slices on first
 * use and kept: a ClusterSetIP service needs them only for per-pod names and PTR, which most
 * services are never asked for, and at 100k endpoints they were a fifth of the heap. Frozen; the
 * derived data lives in private fields, computed once from immutable records.
 */
class LazyServiceView implements ServiceView {
  readonly #noEndpoints: boolean;
  #endpoints: readonly EndpointView[] | null = null;
  #hosts: ReadonlyMap<string, readonly EndpointView[]> | null = null;

  constructor(
    readonly key: ServiceKey,
    readonly imp: ImportRecord,
    readonly slices: readonly SliceRecord[] | undefined,
    noEndpoints: boolean,
    readonly preferCluster: string | null,
  ) {
    this.#noEndpoints = noEndpoints;
    Object.freeze(this);
  }

  get endpoints(): readonly EndpointView[] {
    if (this.#endpoints === null) this.#derive();
    return this.#endpoints as readonly EndpointView[];
  }

  get hosts(): ReadonlyMap<string, readonly EndpointView[]> {
    if (this.#hosts === null) this.#derive();
    return this.#hosts as ReadonlyMap<string, readonly EndpointView[]>;
  }

  #derive(): void {
    const endpoints: EndpointView[] = [];
    const hosts = new Map<string, EndpointView[]>();
    if (!this.#noEndpoints) {
      for (const slice of this.slices ?? []) {
        const family = slice.addressType === 'IPv6' ? 6 : 4;
        for (const ep of slice.endpoints) {
          if (!ep.ready) continue;
          for (const address of ep.addresses) {
            const view: EndpointView = Object.freeze({
              label: ep.hostname ?? endpointLabel(address),
              clusterId: slice.clusterId,
              address,
              family,
              ports: slice.ports,
            });
            endpoints.push(view);
            const h = `${view.label}.${view.clusterId}`;
            const list = hosts.get(h);
            if (list) list.push(view);
            else hosts.set(h, [view]);
          }
        }
      }
    }
    this.#endpoints = Object.freeze(endpoints);
    this.#hosts = hosts;
  }
}

function buildService(key: ServiceKey, imp: ImportRecord, snap: ObjectSnapshot, opts: ViewOptions): ServiceView {
  return new LazyServiceView(key, imp, snap.slices.get(key), opts.noEndpoints, preferClusterOf(imp, opts));
}

/** A ClusterSetIP service's answers do not depend on the local cluster, so its views never hold one. */
function preferClusterOf(imp: ImportRecord, opts: ViewOptions): string | null {
  return imp.type === 'Headless' ? opts.localCluster : null;
}

function ptrOwners(sv: ServiceView): [string, PtrOwner][] {
  const out: [string, PtrOwner][] = sv.imp.type === 'ClusterSetIP'
    ? sv.imp.ips.map((ip) => [ip, { kind: 'service', key: sv.key }])
    : [];
  for (const ep of sv.endpoints) out.push([ep.address, { kind: 'endpoint', key: sv.key, host: `${ep.label}.${ep.clusterId}` }]);
  return out;
}

/** The reverse index being built: a Map on a full build, an edit of the previous index otherwise. */
interface PtrIndex {
  get(ip: string): readonly PtrOwner[] | undefined;
  set(ip: string, owners: readonly PtrOwner[]): unknown;
  delete(ip: string): unknown;
}

function addPtrs(index: PtrIndex, sv: ServiceView): void {
  for (const [ip, owner] of ptrOwners(sv)) {
    const list = index.get(ip) ?? [];
    if (!list.some((o) => samePtr(o, owner))) index.set(ip, [...list, owner]);
  }
}

function removePtrs(index: PtrIndex, sv: ServiceView): void {
  for (const [ip] of ptrOwners(sv)) {
    const list = index.get(ip);
    if (!list) continue;
    const rest = list.filter((o) => o.key !== sv.key);
    if (rest.length === 0) index.delete(ip);
    else index.set(ip, rest);
  }
}

function samePtr(a: PtrOwner, b: PtrOwner): boolean {
  return a.kind === b.kind && a.key === b.key && (a.kind === 'service' || a.host === (b as { host: string }).host);
}

/**
 * A new view for `snap`, reusing everything of `prev` the snapshot did not change: an incremental
 * snapshot costs its changed services, not a copy of every service's entry.
 */
export function buildZoneView(prev: ZoneView | null, snap: ObjectSnapshot, opts: ViewOptions): ZoneView {
  if (prev === null || snap.changed === 'all' || prev.localCluster !== opts.localCluster) {
    // A whole new snapshot (first load, relist, namespace change) still shares the records of
    // unchanged services, so their views (and the answers encoded for them) are kept; a new local
    // cluster rebuilds the headless ones only.
    const services = new Map<ServiceKey, ServiceView>();
    for (const [key, imp] of snap.imports) {
      const old = prev?.services.get(key);
      const same =
        old !== undefined && old.imp === imp && old.slices === snap.slices.get(key) && old.preferCluster === preferClusterOf(imp, opts);
      services.set(key, same ? old : buildService(key, imp, snap, opts));
    }
    const reverse = new Map<string, readonly PtrOwner[]>();
    if (opts.reverse) for (const sv of services.values()) addPtrs(reverse, sv);
    return Object.freeze({
      version: snap.version,
      namespaces: snap.namespaces,
      services: BucketedMap.from(services),
      reverse: BucketedMap.from(reverse),
      localCluster: opts.localCluster,
    });
  }
  const changed = new Map<ServiceKey, ServiceView | undefined>();
  const reverse = new BucketedMapEdit(BucketedMap.from(prev.reverse));
  for (const key of snap.changed) {
    const old = prev.services.get(key);
    if (old && opts.reverse) removePtrs(reverse, old);
    const imp = snap.imports.get(key);
    if (imp === undefined) {
      changed.set(key, undefined);
      continue;
    }
    const sv = buildService(key, imp, snap, opts);
    changed.set(key, sv);
    if (opts.reverse) addPtrs(reverse, sv);
  }
  return Object.freeze({
    version: snap.version,
    namespaces: snap.namespaces,
    services: BucketedMap.from(prev.services).withChanges(changed),
    reverse: reverse.finish(),
    localCluster: opts.localCluster,
  });
}
