// The table of resources the fake API server serves: the built-in kinds (group, version, plural,
// kind, scope, status subresource, short names, categories) and the custom resources that the
// stored CustomResourceDefinitions define, with lookups by URL segments or by apiVersion+kind.

import type { Schema } from './schema/schema.js';

export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
  readonly jsonPath: string;
}

/** One version of a custom resource, as its CustomResourceDefinition declares it. */
export interface CustomVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly schema?: Schema;
  readonly printerColumns: readonly PrinterColumn[];
  readonly statusSubresource: boolean;
}

export interface CustomResourceInfo {
  /** metadata.name of the defining CRD (`<plural>.<group>`). */
  readonly crdName: string;
  readonly versions: readonly CustomVersion[];
  readonly storageVersion: string;
  readonly listKind: string;
}

export interface ResourceDef {
  /** '' for the core group. */
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly statusSubresource: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** A custom resource (list items keep apiVersion/kind) rather than a built-in type. */
  readonly crd: boolean;
  readonly custom?: CustomResourceInfo;
  /** Stable identity of the storage behind all versions: `${group}/${plural}`. */
  readonly key: string;
}

export type MulticlusterVersion = 'v1alpha1' | 'v1beta1';

export const MULTICLUSTER_GROUP = 'multicluster.x-k8s.io';
export const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';

interface BuiltinSpec {
  readonly group: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly status?: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
}

// In the order the apiserver lists them: core first, then groups by priority.
const BUILTINS: readonly BuiltinSpec[] = [
  { group: '', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', plural: 'namespaces', kind: 'Namespace', namespaced: false, status: true, shortNames: ['ns'] },
  { group: '', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] },
  { group: '', plural: 'services', kind: 'Service', namespaced: true, status: true, shortNames: ['svc'], categories: ['all'] },
  { group: 'apps', plural: 'deployments', kind: 'Deployment', namespaced: true, status: true, shortNames: ['deploy'], categories: ['all'] },
  { group: 'policy', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true, status: true, shortNames: ['pdb'] },
  { group: 'rbac.authorization.k8s.io', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  { group: 'rbac.authorization.k8s.io', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  { group: 'rbac.authorization.k8s.io', plural: 'roles', kind: 'Role', namespaced: true },
  { group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, status: true, shortNames: ['crd', 'crds'], categories: ['api-extensions'] },
  { group: 'coordination.k8s.io', plural: 'leases', kind: 'Lease', namespaced: true },
  { group: 'discovery.k8s.io', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
];

function builtinDef(s: BuiltinSpec): ResourceDef {
  return {
    group: s.group,
    versions: ['v1'],
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    kind: s.kind,
    namespaced: s.namespaced,
    statusSubresource: s.status ?? false,
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    crd: false,
    key: `${s.group}/${s.plural}`,
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

/** Kubernetes version priority: GA before beta before alpha, higher numbers first, others last by name. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | null => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (m === null) return null;
    const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra === null || rb === null) return ra !== null ? -1 : rb !== null ? 1 : a < b ? -1 : a > b ? 1 : 0;
  if (ra[0] !== rb[0]) return rb[0] - ra[0];
  if (ra[1] !== rb[1]) return rb[1] - ra[1];
  return rb[2] - ra[2];
}

export class ResourceTable {
  private readonly builtins: readonly ResourceDef[] = BUILTINS.map(builtinDef);
  private readonly customs = new Map<string, ResourceDef>();
  private cached: readonly ResourceDef[] = this.builtins;

  /** Built-ins first, then custom resources by group. */
  get all(): readonly ResourceDef[] {
    return this.cached;
  }

  /** Serves (or stops serving, with undefined) the custom resource under `key`. */
  setCustom(key: string, def: ResourceDef | undefined): void {
    if (def === undefined || def.versions.length === 0) this.customs.delete(key);
    else this.customs.set(key, def);
    const customs = [...this.customs.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.plural < b.plural ? -1 : 1));
    this.cached = [...this.builtins, ...customs];
  }

  byPath(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.all.find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
  }

  byKind(apiVersion: string, kind: string): ResourceDef | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    return this.all.find((r) => r.group === group && r.kind === kind && r.versions.includes(version));
  }

  byKey(key: string): ResourceDef | undefined {
    return this.builtins.find((r) => r.key === key) ?? this.customs.get(key);
  }

  /** Groups in discovery order with their versions (preferred first). */
  groups(): { group: string; versions: readonly string[] }[] {
    const out: { group: string; versions: string[] }[] = [];
    for (const r of this.all) {
      if (r.group === '') continue;
      const g = out.find((x) => x.group === r.group);
      if (g === undefined) out.push({ group: r.group, versions: [...r.versions] });
      else for (const v of r.versions) if (!g.versions.includes(v)) g.versions.push(v);
    }
    for (const g of out) g.versions.sort(compareVersions);
    return out;
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.all.filter((r) => r.group === group && r.versions.includes(version));
  }
}
