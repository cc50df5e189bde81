// The ServiceImport as it should be in one importing cluster: created by us (labelled managed) or a
// hand-made one adopted (its spec corrected, never deleted). spec.ips is the derived Service's
// ClusterIPs; status carries the exporting clusters and a Ready condition.

import {
  ANNOTATION_DERIVED_SERVICE,
  LABEL_MANAGED_BY,
  MANAGER_NAME,
  type Service,
  type ServiceImport,
} from '../objects.js';
import type { AggregateImport } from './aggregate.js';
import { conditionsKey, mergeConditions, type ConditionSpec } from './conditions.js';
import type { OwnedFields } from './diff.js';
import { canonicalPort, portsKey, wirePort } from './ports.js';

export function isManagedByUs(obj: { metadata?: { labels?: Record<string, string> } } | null): boolean {
  return obj?.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGER_NAME;
}

/** The IPs a derived Service was allocated (both families when dual-stack), or null if none yet. */
export function allocatedIPs(svc: Service | null): string[] | null {
  const spec = svc?.spec;
  if (spec === undefined) return null;
  const ips = (spec.clusterIPs ?? (spec.clusterIP !== undefined ? [spec.clusterIP] : [])).filter((ip) => ip !== '' && ip !== 'None');
  return ips.length > 0 ? ips : null;
}

export interface ImportInputs {
  readonly namespace: string;
  readonly name: string;
  readonly agg: AggregateImport;
  readonly actual: ServiceImport | null;
  /** Null for Headless imports. */
  readonly derivedName: string | null;
  /** Our derived Service under that name, or null. */
  readonly derived: Service | null;
  /** The apiVersion this cluster serves the import in (for a new one). */
  readonly apiVersion: string;
}

/**
 * spec.ips is exactly the IPs our derived Service holds (none while it is being made), so that it
 * never names an IP the cluster could hand to an unrelated Service.
 */
export function desiredImport(inp: ImportInputs): ServiceImport {
  const { agg, actual } = inp;
  const ips = agg.type === 'Headless' ? [] : (allocatedIPs(inp.derived) ?? []);
  const spec: NonNullable<ServiceImport['spec']> = {
    ...(actual?.spec ?? {}),
    type: agg.type,
    ports: agg.ports.map(wirePort),
    ips,
  };
  delete spec.sessionAffinity;
  delete spec.sessionAffinityConfig;
  if (agg.sessionAffinity !== 'None') spec.sessionAffinity = agg.sessionAffinity;
  if (agg.sessionAffinityConfig !== null) spec.sessionAffinityConfig = agg.sessionAffinityConfig;
  if (ips.length === 0) delete spec.ips;

  const annotations = { ...(actual?.metadata?.annotations ?? {}) };
  if (inp.derivedName !== null) annotations[ANNOTATION_DERIVED_SERVICE] = inp.derivedName;
  // A Headless import has no derived Service: ours loses the annotation, a hand-made one keeps what its author wrote.
  else if (actual === null || isManagedByUs(actual)) delete annotations[ANNOTATION_DERIVED_SERVICE];

  const metadata: NonNullable<ServiceImport['metadata']> =
    actual === null
      ? { name: inp.name, namespace: inp.namespace, labels: { [LABEL_MANAGED_BY]: MANAGER_NAME } }
      : { ...actual.metadata };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;

  return {
    apiVersion: actual?.apiVersion ?? inp.apiVersion,
    kind: 'ServiceImport',
    metadata,
    spec,
    ...(actual?.status !== undefined ? { status: actual.status } : {}),
  };
}

/**
 * The import's Ready condition (MCS API reasons Ready | Pending): ready once it can be used, that
 * is when it is Headless or holds its clusterset IPs; pending with no export or no IP yet.
 */
export function importReadyCondition(
  agg: AggregateImport | null,
  actual: ServiceImport,
  blocker: string | null,
): ConditionSpec {
  if (agg === null) return { type: 'Ready', status: 'False', reason: 'Pending', message: 'no cluster exports this service' };
  if (agg.type === 'ClusterSetIP' && (actual.spec?.ips ?? []).length === 0) {
    return { type: 'Ready', status: 'False', reason: 'Pending', message: blocker ?? 'waiting for the derived Service to be allocated a cluster IP' };
  }
  return { type: 'Ready', status: 'True', reason: 'Ready', message: `imported from ${agg.members.length} cluster(s)` };
}

/**
 * The import with status.clusters and its Ready condition as they should be. `ready` null leaves
 * the conditions as they are: for a cluster whose (older) CRD has no status.conditions, where the
 * API server would prune them and every pass would write them again.
 */
export function desiredImportStatus(actual: ServiceImport, clusters: readonly string[], ready: ConditionSpec | null, now: string): ServiceImport {
  const status: NonNullable<ServiceImport['status']> = { ...(actual.status ?? {}), clusters: [...clusters].sort().map((cluster) => ({ cluster })) };
  if (ready !== null) status.conditions = mergeConditions(actual.status?.conditions ?? [], [ready], now);
  return { ...actual, status };
}

export const importSpecFields: OwnedFields<ServiceImport> = {
  project: (i) => ({
    type: i.spec?.type ?? 'ClusterSetIP',
    ports: portsKey((i.spec?.ports ?? []).map(canonicalPort)),
    ips: i.spec?.ips ?? [],
    sessionAffinity: i.spec?.sessionAffinity ?? 'None',
    sessionAffinityConfig: i.spec?.sessionAffinityConfig ?? null,
    derived: i.metadata?.annotations?.[ANNOTATION_DERIVED_SERVICE] ?? '',
  }),
  merge: (actual, desired) => ({
    ...actual,
    metadata: { ...actual.metadata, annotations: desired.metadata?.annotations ?? {} },
    spec: desired.spec ?? {},
  }),
};

export const importStatusFields: OwnedFields<ServiceImport> = {
  project: (i) => ({
    clusters: (i.status?.clusters ?? []).map((c) => c.cluster).sort(),
    conditions: conditionsKey(i.status?.conditions),
  }),
  merge: (actual, desired) => ({
    ...actual,
    status: {
      ...(actual.status ?? {}),
      clusters: desired.status?.clusters ?? [],
      ...(desired.status?.conditions !== undefined ? { conditions: desired.status.conditions } : {}),
    },
  }),
};
