// One reconcile pass for one service key, as a pure function: the observed objects of every member
// cluster in, the writes each cluster needs out. Level-triggered: run it again on the state those
// writes produce and it returns no writes.

import type { DerivedServiceNaming, McsApiVersion } from '../config.js';
import { MANAGER_NAME, MCS_GROUP, type EndpointSlice, type KubeObject, type Service, type ServiceExport, type ServiceImport } from '../objects.js';
import { aggregate, type AggregateImport } from './aggregate.js';
import { derivedServiceFields, desiredDerivedService } from './derived-service.js';
import { diffOne, diffSet, type OwnedFields } from './diff.js';
import { desiredImportedSlices, importedSliceFields } from './endpoint-slices.js';
import { exportCandidate, type ExportCandidate } from './export-validity.js';
import { desiredExportStatus, exportConditionSpecs, exportStatusFields } from './export-status.js';
import { derivedNameOf } from './naming.js';
import { importOwnerReference } from './owner.js';
import {
  desiredImport,
  desiredImportStatus,
  importReadyCondition,
  importSpecFields,
  importStatusFields,
  isManagedByUs,
} from './service-import.js';
import type { ResourceKind, Write } from './writes.js';

/**
 * What the reconciler knows of one member cluster. `ready`: reachable, caches synced, writable.
 * `stale`: unreachable within the grace period: its last-known objects count, nothing is written
 * to it. `withdrawn`: unreachable beyond the grace period: its last-known exports still count
 * (the import, its type, ports, IPs and status.clusters stay), only its endpoints are withdrawn.
 * `unknown`: its caches never filled, so what it exports is not known: nothing is deleted on its
 * account, and it contributes no endpoints.
 */
export type ClusterState = 'ready' | 'stale' | 'withdrawn' | 'unknown';

export interface ClusterObservation {
  /** The config id: which API server this is. */
  readonly name: string;
  /** The MCS cluster id (ClusterProperty first, else the config id). */
  readonly clusterId: string;
  readonly state: ClusterState;
  /** The MCS API version this cluster is read and written in (null until discovered). */
  readonly mcsApiVersion: McsApiVersion | null;
  readonly namespaceExists: boolean;
  readonly serviceExport: ServiceExport | null;
  readonly service: Service | null;
  /** The exported Service's own slices (kubernetes.io/service-name=<name>, not ours). */
  readonly sourceSlices: readonly EndpointSlice[];
  readonly serviceImport: ServiceImport | null;
  /** The Service under the derived name (`derivedNameOf` the import), whoever made it. */
  readonly derivedService: Service | null;
  /** Slices we manage for this import (any source cluster). */
  readonly importedSlices: readonly EndpointSlice[];
  /** False once this cluster's API server was seen to prune ServiceImport status.conditions (an older CRD). */
  readonly importConditions?: boolean;
}

export interface KeyObservation {
  readonly namespace: string;
  readonly name: string;
  readonly clusters: readonly ClusterObservation[];
}

export interface PlanOptions {
  readonly naming: DerivedServiceNaming;
  /** RFC 3339 time for condition transitions. */
  readonly now: string;
  /** Plan the writes of this cluster (config id) only; the others' are not needed by the caller. */
  readonly only?: string;
}

export interface KeyPlan {
  readonly aggregate: AggregateImport | null;
  /** Writes per cluster config id; clusters that are not `ready` never get writes. */
  readonly writes: ReadonlyMap<string, readonly Write[]>;
}

function liveOrNull<T extends { metadata?: { deletionTimestamp?: string } }>(obj: T | null): T | null {
  return obj !== null && obj.metadata?.deletionTimestamp === undefined ? obj : null;
}

/** What every importing cluster shares in one pass. */
interface KeyContext {
  readonly namespace: string;
  readonly name: string;
  readonly agg: AggregateImport | null;
  readonly sources: ReadonlyArray<{ clusterId: string; slices: readonly EndpointSlice[] }>;
  /** Cluster ids whose exports are not known (never synced). */
  readonly unknown: ReadonlySet<string>;
  readonly opts: PlanOptions;
}

export function planKey(obs: KeyObservation, opts: PlanOptions): KeyPlan {
  const { namespace, name } = obs;
  const candidates = new Map<string, ExportCandidate>();
  for (const c of obs.clusters) {
    const exp = liveOrNull(c.serviceExport);
    // Unreachable is not gone: a stale or withdrawn cluster's last-known export still counts.
    if (exp === null || c.state === 'unknown') continue;
    candidates.set(c.name, exportCandidate(c.clusterId, exp, liveOrNull(c.service)));
  }
  const agg = aggregate([...candidates.values()]);
  const sources = obs.clusters
    .filter((c) => agg?.members.includes(c.clusterId) === true && candidates.has(c.name) && c.state !== 'withdrawn')
    .map((c) => ({ clusterId: c.clusterId, slices: c.sourceSlices }));
  const ctx: KeyContext = {
    namespace,
    name,
    agg,
    sources,
    unknown: new Set(obs.clusters.filter((c) => c.state === 'unknown').map((c) => c.clusterId)),
    opts,
  };

  const writes = new Map<string, Write[]>();
  for (const c of obs.clusters) {
    if (c.state !== 'ready' || c.mcsApiVersion === null || (opts.only !== undefined && c.name !== opts.only)) continue;
    const w: Write[] = [];
    const candidate = candidates.get(c.name);
    if (candidate !== undefined) {
      const specs = exportConditionSpecs(candidate, agg);
      w.push(...statusWrites('serviceexports', candidate.export, desiredExportStatus(candidate.export, specs, opts.now), exportStatusFields));
    }
    if (c.namespaceExists) w.push(...importWrites(c, c.mcsApiVersion, ctx));
    if (w.length > 0) writes.set(c.name, w);
  }
  return { aggregate: agg, writes };
}

function importWrites(c: ClusterObservation, version: McsApiVersion, ctx: KeyContext): Write[] {
  const { agg, namespace, name, opts } = ctx;
  const actual = c.serviceImport;
  if (actual !== null && actual.metadata?.deletionTimestamp !== undefined) return [];
  const derivedName = derivedNameOf(opts.naming, namespace, name, actual);
  const derivedOurs = c.derivedService !== null && isManagedByUs(c.derivedService) ? c.derivedService : null;

  if (agg === null) {
    // A cluster whose exports are unknown may still export this service: withdraw nothing yet.
    if (ctx.unknown.size > 0) return [];
    const w: Write[] = [];
    if (actual !== null && !isManagedByUs(actual)) {
      // A hand-made import stays, and so does its derived Service: spec.ips keeps naming an IP a
      // Service of ours holds, and the same IP serves again when an export returns.
      const ready = c.importConditions === false ? null : importReadyCondition(null, actual, null);
      w.push(...statusWrites('serviceimports', actual, desiredImportStatus(actual, [], ready, opts.now), importStatusFields));
    } else {
      w.push(...diffOne('serviceimports', null, actual, importSpecFields));
      w.push(...diffOne('services', null, derivedOurs, derivedServiceFields));
    }
    w.push(...diffSet('endpointslices', [], c.importedSlices, importedSliceFields));
    return w;
  }

  const clusterSet = agg.type === 'ClusterSetIP';
  // Someone else's Service holds the derived name: never take it over (the import waits without IPs).
  const foreign = clusterSet && c.derivedService !== null && derivedOurs === null;
  const wantedImport = desiredImport({
    namespace,
    name,
    agg,
    actual,
    derivedName: clusterSet ? derivedName : null,
    derived: clusterSet ? derivedOurs : null,
    apiVersion: `${MCS_GROUP}/${version}`,
  });
  const w = diffOne('serviceimports', wantedImport, actual, importSpecFields);
  // Status, derived Service and slices need the import's uid: they follow once it exists.
  if (actual === null || actual.metadata?.uid === undefined) return w;
  // A spec update changes the resourceVersion, so the status write waits for the next pass; so does
  // a new import's first status while its derived Service is being made (spec.ips follows next pass,
  // and with it Ready: one write instead of Pending then Ready).
  const fresh = (actual.status?.clusters ?? []).length === 0 && (actual.status?.conditions ?? []).length === 0;
  const makingDerived = fresh && clusterSet && !foreign && derivedOurs === null;
  if (w.length === 0 && !makingDerived) {
    // Clusters whose exports are unknown keep the place status.clusters already gave them.
    const kept = (actual.status?.clusters ?? []).map((x) => x.cluster).filter((id) => ctx.unknown.has(id));
    const clusters = [...new Set([...agg.members, ...kept])];
    const blocker = foreign ? `Service ${derivedName} exists and is not managed by ${MANAGER_NAME}` : null;
    const ready = c.importConditions === false ? null : importReadyCondition(agg, actual, blocker);
    w.push(...statusWrites('serviceimports', actual, desiredImportStatus(actual, clusters, ready, opts.now), importStatusFields));
  }

  const owner = importOwnerReference(actual, version);
  if (!foreign) {
    const previousIPs = derivedOurs === null && clusterSet ? (actual.spec?.ips ?? []) : [];
    const wantedDerived = clusterSet ? desiredDerivedService(namespace, name, derivedName, agg, owner, previousIPs) : null;
    w.push(...diffOne('services', wantedDerived, derivedOurs, derivedServiceFields));
  }
  const wantedSlices = desiredImportedSlices({
    namespace,
    importName: name,
    derivedName: clusterSet ? derivedName : null,
    owner,
    sources: ctx.sources,
  });
  w.push(...diffSet('endpointslices', wantedSlices, c.importedSlices, importedSliceFields));
  return w;
}

function statusWrites<T extends KubeObject>(resource: ResourceKind, actual: T, desired: T, fields: OwnedFields<T>): Write[] {
  return diffOne(resource, desired, actual, fields).map((x): Write => (x.op === 'update' ? { ...x, op: 'updateStatus' } : x));
}
