// The ServiceImport as it should be in one importing cluster: created by us (labelled managed) or a
// hand-made one adopted (its spec corrected, never deleted). spec.ips follows the derived Service's
// ClusterIPs; until that Service has IPs the current ips are kept.

import {
  ANNOTATION_DERIVED_SERVICE,
  LABEL_MANAGED_BY,
  MANAGER_NAME,
  MCS_GROUP,
  type Service,
  type ServiceImport,
} from '../objects.js';
import type { AggregateImport } from './aggregate.js';
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
  readonly derived: Service | null;
  readonly mcsApiVersion: string;
}

export function desiredImport(inp: ImportInputs): ServiceImport {
  const { agg, actual } = inp;
  const ips = agg.type === 'Headless' ? [] : (allocatedIPs(inp.derived) ?? actual?.spec?.ips ?? []);
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
  else delete annotations[ANNOTATION_DERIVED_SERVICE];

  const metadata: NonNullable<ServiceImport['metadata']> =
    actual === null
      ? { name: inp.name, namespace: inp.namespace, labels: { [LABEL_MANAGED_BY]: MANAGER_NAME } }
      : { ...actual.metadata };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;

  return {
    apiVersion: actual?.apiVersion ?? `${MCS_GROUP}/${inp.mcsApiVersion}`,
    kind: 'ServiceImport',
    metadata,
    spec,
    ...(actual?.status !== undefined ? { status: actual.status } : {}),
  };
}

/** The import with status.clusters as it should be (compared through importStatusFields). */
export function desiredImportStatus(actual: ServiceImport, members: readonly string[]): ServiceImport {
  return { ...actual, status: { ...(actual.status ?? {}), clusters: members.map((cluster) => ({ cluster })) } };
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
  project: (i) => (i.status?.clusters ?? []).map((c) => c.cluster).sort(),
  merge: (actual, desired) => ({
    ...actual,
    status: { ...(actual.status ?? {}), clusters: desired.status?.clusters ?? [] },
  }),
};
