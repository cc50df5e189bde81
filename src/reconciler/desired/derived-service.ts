// The derived Service of a ClusterSetIP import: a selector-less ClusterIP Service in the importing
// cluster whose allocated ClusterIPs become the import's spec.ips, and which kube-proxy routes to
// the imported EndpointSlices (they carry kubernetes.io/service-name=<derived name>).

import { LABEL_MANAGED_BY, LABEL_MCS_SERVICE_NAME, MANAGER_NAME, type OwnerReference, type Service } from '../objects.js';
import type { AggregateImport } from './aggregate.js';
import type { OwnedFields } from './diff.js';
import { importOwnerUids, ownedLabels, withImportOwner } from './owner.js';
import { canonicalPort, portsKey, wirePort } from './ports.js';

const OWNED_LABELS = [LABEL_MANAGED_BY, LABEL_MCS_SERVICE_NAME];

export function desiredDerivedService(
  namespace: string,
  importName: string,
  derivedName: string,
  agg: AggregateImport,
  owner: OwnerReference,
  /** IPs the import named before its derived Service went: asked for again, so that they stay if still free. */
  previousIPs: readonly string[] = [],
): Service {
  const spec: NonNullable<Service['spec']> = {
    type: 'ClusterIP',
    ports: agg.ports.map(wirePort),
    // Create-only: lets a dual-stack importing cluster allocate both families (not compared later,
    // since a server may default or narrow it).
    ipFamilyPolicy: 'PreferDualStack',
  };
  if (previousIPs.length > 0) {
    spec.clusterIP = previousIPs[0];
    spec.clusterIPs = [...previousIPs];
  }
  if (agg.sessionAffinity !== 'None') spec.sessionAffinity = agg.sessionAffinity;
  if (agg.sessionAffinityConfig !== null) spec.sessionAffinityConfig = agg.sessionAffinityConfig;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: derivedName,
      namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGER_NAME, [LABEL_MCS_SERVICE_NAME]: importName },
      ownerReferences: [owner],
    },
    spec,
  };
}

export const derivedServiceFields: OwnedFields<Service> = {
  project: (s) => ({
    labels: ownedLabels(s.metadata?.labels, OWNED_LABELS),
    owners: importOwnerUids(s.metadata?.ownerReferences),
    type: s.spec?.type ?? 'ClusterIP',
    ports: portsKey((s.spec?.ports ?? []).map(canonicalPort)),
    sessionAffinity: s.spec?.sessionAffinity ?? 'None',
    sessionAffinityConfig: s.spec?.sessionAffinity === 'ClientIP' ? (s.spec.sessionAffinityConfig ?? null) : null,
  }),
  merge: (actual, desired) => {
    const spec = { ...(actual.spec ?? {}) };
    spec.type = desired.spec?.type ?? 'ClusterIP';
    // Keep server-defaulted targetPorts of ports that did not change.
    spec.ports = (desired.spec?.ports ?? []).map((p) => {
      const old = actual.spec?.ports?.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      return old?.targetPort !== undefined ? { ...p, targetPort: old.targetPort } : p;
    });
    spec.sessionAffinity = desired.spec?.sessionAffinity ?? 'None';
    if (desired.spec?.sessionAffinityConfig !== undefined) spec.sessionAffinityConfig = desired.spec.sessionAffinityConfig;
    else delete spec.sessionAffinityConfig;
    return {
      ...actual,
      metadata: {
        ...actual.metadata,
        labels: { ...(actual.metadata?.labels ?? {}), ...(desired.metadata?.labels ?? {}) },
        ownerReferences: withImportOwner(actual.metadata?.ownerReferences, desired.metadata?.ownerReferences ?? []),
      },
      spec,
    };
  },
};
