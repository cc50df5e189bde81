// One reconcile pass for one service key, as a pure function: the observed objects of every member
// cluster in, the writes each cluster needs out. Level-triggered: run it again on the state those
// writes produce and it returns no writes.

import type { DerivedServiceNaming, McsApiVersion } from '../config.js';
import type { EndpointSlice, Service, ServiceExport, ServiceImport } from '../objects.js';
import { aggregate, type AggregateImport } from './aggregate.js';
import { derivedServiceFields, desiredDerivedService } from './derived-service.js';
import { diffOne, diffSet } from './diff.js';
import { desiredImportedSlices, importedSliceFields } from './endpoint-slices.js';
import { exportCandidate, type ExportCandidate } from './export-validity.js';
import { desiredExportStatus, exportConditionSpecs, exportStatusFields } from './export-status.js';
import { derivedServiceName } from './naming.js';
import { importOwnerReference } from './owner.js';
import { desiredImport, desiredImportStatus, importSpecFields, importStatusFields, isManagedByUs } from './service-import.js';
import type { Write } from './writes.js';

/**
 * `ready`: reachable, writable. `stale`: unreachable within the grace period (its cached objects
 * still count, nothing is written to it). `withdrawn`: unreachable beyond the grace period (its
 * exports no longer count).
 */
export type ClusterState = 'ready' | 'stale' | 'withdrawn';

export interface ClusterObservation {
  /** The config id: which API server this is. */
  readonly name: string;
  /** The MCS cluster id (ClusterProperty first, else the config id). */
  readonly clusterId: string;
  readonly state: ClusterState;
  readonly namespaceExists: boolean;
  readonly serviceExport: ServiceExport | null;
  readonly service: Service | null;
  /** The exported Service's own slices (kubernetes.io/service-name=<name>, not ours). */
  readonly sourceSlices: readonly EndpointSlice[];
  readonly serviceImport: ServiceImport | null;
  /** The Service under the derived name, whoever made it. */
  readonly derivedService: Service | null;
  /** Slices we manage for this import (any source cluster). */
  readonly importedSlices: readonly EndpointSlice[];
}

export interface KeyObservation {
  readonly namespace: string;
  readonly name: string;
  readonly clusters: readonly ClusterObservation[];
}

export interface PlanOptions {
  readonly naming: DerivedServiceNaming;
  readonly mcsApiVersion: McsApiVersion;
  /** RFC 3339 time for condition transitions. */
  readonly now: string;
}

export interface KeyPlan {
  readonly aggregate: AggregateImport | null;
  /** Writes per cluster config id; clusters that are not `ready` never get writes. */
  readonly writes: ReadonlyMap<string, readonly Write[]>;
}

function liveOrNull<T extends { metadata?: { deletionTimestamp?: string } }>(obj: T | null): T | null {
  return obj !== null && obj.metadata?.deletionTimestamp === undefined ? obj : null;
}

export function planKey(obs: KeyObservation, opts: PlanOptions): KeyPlan {
  const { namespace, name } = obs;
  const candidates = new Map<string, ExportCandidate>();
  for (const c of obs.clusters) {
    const exp = liveOrNull(c.serviceExport);
    if (exp === null || c.state === 'withdrawn') continue;
    candidates.set(c.name, exportCandidate(c.clusterId, exp, liveOrNull(c.service)));
  }
  const agg = aggregate([...candidates.values()]);
  const derivedName = derivedServiceName(opts.naming, namespace, name);
  const sources = obs.clusters
    .filter((c) => agg?.members.includes(c.clusterId) === true && candidates.has(c.name))
    .map((c) => ({ clusterId: c.clusterId, slices: c.sourceSlices }));

  const writes = new Map<string, Write[]>();
  for (const c of obs.clusters) {
    if (c.state !== 'ready') continue;
    const w: Write[] = [];
    const candidate = candidates.get(c.name);
    if (candidate !== undefined) {
      const specs = exportConditionSpecs(candidate, agg, opts.mcsApiVersion === 'v1beta1');
      w.push(
        ...diffOne('serviceexports', desiredExportStatus(candidate.export, specs, opts.now), candidate.export, exportStatusFields).map(
          (x): Write => (x.op === 'update' ? { ...x, op: 'updateStatus' } : x),
        ),
      );
    }
    if (c.namespaceExists) w.push(...importWrites(c, agg, derivedName, sources, namespace, name, opts));
    if (w.length > 0) writes.set(c.name, w);
  }
  return { aggregate: agg, writes };
}

function importWrites(
  c: ClusterObservation,
  agg: AggregateImport | null,
  derivedName: string,
  sources: ReadonlyArray<{ clusterId: string; slices: readonly EndpointSlice[] }>,
  namespace: string,
  name: string,
  opts: PlanOptions,
): Write[] {
  const actual = c.serviceImport;
  const derivedOurs = c.derivedService !== null && isManagedByUs(c.derivedService) ? c.derivedService : null;
  if (actual !== null && actual.metadata?.deletionTimestamp !== undefined) return [];

  if (agg === null) {
    // Withdrawal: our import and derived Service go; a hand-made import stays with no clusters.
    const w: Write[] = [];
    if (actual !== null && isManagedByUs(actual)) w.push(...diffOne('serviceimports', null, actual, importSpecFields));
    else if (actual !== null) {
      w.push(...statusWrites(actual, desiredImportStatus(actual, [])));
    }
    w.push(...diffOne('services', null, derivedOurs, derivedServiceFields));
    w.push(...diffSet('endpointslices', [], c.importedSlices, importedSliceFields));
    return w;
  }

  const clusterSet = agg.type === 'ClusterSetIP';
  const wantedImport = desiredImport({
    namespace,
    name,
    agg,
    actual,
    derivedName: clusterSet ? derivedName : null,
    derived: clusterSet ? derivedOurs : null,
    mcsApiVersion: opts.mcsApiVersion,
  });
  const w = diffOne('serviceimports', wantedImport, actual, importSpecFields);
  // Status, derived Service and slices need the import's uid: they follow once it exists.
  if (actual === null || actual.metadata?.uid === undefined) return w;
  // A spec update changes the resourceVersion, so the status write waits for the next pass.
  if (w.length === 0) w.push(...statusWrites(actual, desiredImportStatus(actual, agg.members)));

  const owner = importOwnerReference(actual, opts.mcsApiVersion);
  const wantedDerived = clusterSet ? desiredDerivedService(namespace, name, derivedName, agg, owner) : null;
  if (c.derivedService !== null && derivedOurs === null && wantedDerived !== null) {
    // Someone else's Service holds the derived name: never take it over.
  } else {
    w.push(...diffOne('services', wantedDerived, derivedOurs, derivedServiceFields));
  }
  const wantedSlices = desiredImportedSlices({
    namespace,
    importName: name,
    derivedName: clusterSet ? derivedName : null,
    owner,
    sources,
  });
  w.push(...diffSet('endpointslices', wantedSlices, c.importedSlices, importedSliceFields));
  return w;
}

function statusWrites(actual: ServiceImport, desired: ServiceImport): Write[] {
  return diffOne('serviceimports', desired, actual, importStatusFields).map((x): Write =>
    x.op === 'update' ? { ...x, op: 'updateStatus' } : x,
  );
}
