// The table of resources the fake API server serves (group, versions, plural, kind, scope, status
// subresource), and lookups by URL segments or by apiVersion+kind.

export interface ResourceDef {
  /** '' for the core group. */
  readonly group: string;
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly statusSubresource: boolean;
  readonly shortNames: readonly string[];
  /** A CustomResourceDefinition (list items keep apiVersion/kind) rather than a built-in type. */
  readonly crd: boolean;
  /** Stable identity of the storage behind all versions: `${group}/${plural}`. */
  readonly key: string;
}

export type MulticlusterVersion = 'v1alpha1' | 'v1beta1';

export const MULTICLUSTER_GROUP = 'multicluster.x-k8s.io';

function def(
  group: string,
  versions: readonly string[],
  plural: string,
  kind: string,
  namespaced: boolean,
  statusSubresource: boolean,
  shortNames: readonly string[] = [],
): ResourceDef {
  return {
    group,
    versions,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    statusSubresource,
    shortNames,
    crd: group.endsWith('x-k8s.io') || group === 'about.k8s.io',
    key: `${group}/${plural}`,
  };
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export class ResourceTable {
  readonly all: readonly ResourceDef[];

  constructor(multiclusterVersions: readonly MulticlusterVersion[]) {
    if (multiclusterVersions.length === 0) throw new Error('multiclusterVersions must name at least one version');
    // Preferred version first, as discovery lists it: v1beta1 when served.
    const mc = [...multiclusterVersions].sort((a, b) => (a === 'v1beta1' ? -1 : b === 'v1beta1' ? 1 : 0));
    this.all = [
      def('', ['v1'], 'namespaces', 'Namespace', false, true, ['ns']),
      def('', ['v1'], 'services', 'Service', true, true, ['svc']),
      def('discovery.k8s.io', ['v1'], 'endpointslices', 'EndpointSlice', true, false),
      def(MULTICLUSTER_GROUP, mc, 'serviceimports', 'ServiceImport', true, true, ['svcim']),
      def(MULTICLUSTER_GROUP, mc, 'serviceexports', 'ServiceExport', true, true, ['svcex']),
      def('coordination.k8s.io', ['v1'], 'leases', 'Lease', true, false),
      def('about.k8s.io', ['v1alpha1'], 'clusterproperties', 'ClusterProperty', false, false),
    ];
  }

  byPath(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.all.find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
  }

  byKind(apiVersion: string, kind: string): ResourceDef | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    return this.all.find((r) => r.group === group && r.kind === kind && r.versions.includes(version));
  }

  byKey(key: string): ResourceDef | undefined {
    return this.all.find((r) => r.key === key);
  }

  /** Groups in discovery order with their versions (preferred first). */
  groups(): { group: string; versions: readonly string[] }[] {
    const out: { group: string; versions: readonly string[] }[] = [];
    for (const r of this.all) {
      if (r.group === '' || out.some((g) => g.group === r.group)) continue;
      out.push({ group: r.group, versions: r.versions });
    }
    return out;
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.all.filter((r) => r.group === group && r.versions.includes(version));
  }
}
