// Whether each cluster's ServiceExport can take part in the aggregate: its Service must exist and
// be of a type that can be exported (ExternalName cannot).

import type { Service, ServiceExport } from '../objects.js';
import { canonicalPort, type CanonicalPort } from './ports.js';

/** The MCS API's reasons for Valid=False. */
export type InvalidReason = 'NoService' | 'InvalidServiceType';

export interface ExportCandidate {
  readonly clusterId: string;
  readonly export: ServiceExport;
  /** Export creation time in ms since the epoch (NaN when absent sorts last). */
  readonly createdAt: number;
  readonly validity:
    | { readonly valid: true }
    | { readonly valid: false; readonly reason: InvalidReason; readonly message: string };
  /** Properties of the exported Service; meaningful only when valid. */
  readonly type: 'ClusterSetIP' | 'Headless';
  readonly ports: readonly CanonicalPort[];
  readonly sessionAffinity: string;
  readonly sessionAffinityConfig: unknown;
}

export function exportCandidate(clusterId: string, exp: ServiceExport, service: Service | null): ExportCandidate {
  const created = Date.parse(exp.metadata?.creationTimestamp ?? '');
  const base = { clusterId, export: exp, createdAt: Number.isNaN(created) ? Number.POSITIVE_INFINITY : created };
  const name = exp.metadata?.name ?? '';
  if (service === null) {
    return {
      ...base,
      validity: { valid: false, reason: 'NoService', message: `Service ${name} does not exist in this namespace` },
      type: 'ClusterSetIP',
      ports: [],
      sessionAffinity: 'None',
      sessionAffinityConfig: null,
    };
  }
  const spec = service.spec ?? {};
  if (spec.type === 'ExternalName') {
    return {
      ...base,
      validity: { valid: false, reason: 'InvalidServiceType', message: `Service ${name} has type ExternalName, which cannot be exported` },
      type: 'ClusterSetIP',
      ports: [],
      sessionAffinity: 'None',
      sessionAffinityConfig: null,
    };
  }
  const headless = spec.clusterIP === 'None';
  return {
    ...base,
    validity: { valid: true },
    type: headless ? 'Headless' : 'ClusterSetIP',
    ports: (spec.ports ?? []).map(canonicalPort),
    sessionAffinity: headless ? 'None' : (spec.sessionAffinity ?? 'None'),
    sessionAffinityConfig: headless || spec.sessionAffinity !== 'ClientIP' ? null : (spec.sessionAffinityConfig ?? null),
  };
}

/** Oldest export first; the cluster id breaks ties so every replica picks the same winner. */
export function byAge(a: ExportCandidate, b: ExportCandidate): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.clusterId < b.clusterId ? -1 : a.clusterId > b.clusterId ? 1 : 0;
}
