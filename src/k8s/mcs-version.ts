// Which version of the MCS API (multicluster.x-k8s.io) to read and write in one cluster: v1beta1
// when the API server serves it, else v1alpha1. The DNS server and the reconciler both discover it
// per cluster, since the clusters of one clusterset need not run the same CRDs.

export const MCS_API_GROUP = 'multicluster.x-k8s.io';

export type McsVersion = 'v1alpha1' | 'v1beta1';

/** Preference order: the first one the group serves wins. */
const PREFERRED: readonly McsVersion[] = ['v1beta1', 'v1alpha1'];

/** The version to use, from an APIGroup discovery document; null when it serves neither. */
export function chooseMcsVersion(group: unknown): McsVersion | null {
  const versions = (group as { versions?: unknown } | null)?.versions;
  if (!Array.isArray(versions)) return null;
  const served = new Set(
    versions.map((v) => (v as { version?: unknown } | null)?.version).filter((v): v is string => typeof v === 'string'),
  );
  return PREFERRED.find((v) => served.has(v)) ?? null;
}
