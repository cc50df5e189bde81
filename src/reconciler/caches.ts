// What the reconciler needs from an informer cache, narrowed so the controller does not depend on
// how watches are kept alive (src/k8s/informer.ts does that), plus the watched resources.

import type { KubeObject } from './objects.js';
import type { ResourcePath } from './kube-rest.js';

export interface CacheEvent<T> {
  readonly type: 'add' | 'update' | 'delete';
  readonly object: T;
  readonly old?: T;
}

export interface ResourceCache<T extends KubeObject = KubeObject> {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  synced(): boolean;
  list(): T[];
  /** namespace '' for cluster-scoped objects. */
  get(namespace: string, name: string): T | undefined;
  onBatch(cb: (events: ReadonlyArray<CacheEvent<T>>) => void): void;
}

export interface CacheSpec {
  readonly path: ResourcePath & { readonly namespace?: string };
  readonly labelSelector?: string;
  /** Applied to each object as it arrives, before it is stored (keeps only what is read). */
  readonly transform?: (obj: KubeObject) => KubeObject;
}

/** Builds one cache for one member cluster; main and tests supply it. */
export type CacheFactory = (cluster: string, spec: CacheSpec) => ResourceCache;

export type CacheRole =
  | 'namespaces'
  | 'clusterProperties'
  | 'serviceExports'
  | 'services'
  | 'sourceSlices'
  | 'serviceImports'
  | 'importedSlices';

export const CORE_V1 = { group: '', version: 'v1' } as const;
export const DISCOVERY_V1 = { group: 'discovery.k8s.io', version: 'v1' } as const;

/** The roles read through the MCS API, whose version each cluster discovers. */
export const MCS_ROLES: readonly CacheRole[] = ['serviceExports', 'serviceImports'];

/** The caches of one member cluster; the MCS roles in `mcsApiVersion`. */
export function cacheSpecs(mcsApiVersion: string): Record<CacheRole, CacheSpec> {
  const mcs = { group: 'multicluster.x-k8s.io', version: mcsApiVersion };
  return {
    namespaces: { path: { ...CORE_V1, plural: 'namespaces' } },
    clusterProperties: { path: { group: 'about.k8s.io', version: 'v1alpha1', plural: 'clusterproperties' } },
    serviceExports: { path: { ...mcs, plural: 'serviceexports' } },
    services: { path: { ...CORE_V1, plural: 'services' } },
    sourceSlices: {
      path: { ...DISCOVERY_V1, plural: 'endpointslices' },
      labelSelector: 'kubernetes.io/service-name,endpointslice.kubernetes.io/managed-by!=clusterset-reconciler',
    },
    serviceImports: { path: { ...mcs, plural: 'serviceimports' } },
    importedSlices: {
      path: { ...DISCOVERY_V1, plural: 'endpointslices' },
      labelSelector: 'endpointslice.kubernetes.io/managed-by=clusterset-reconciler',
    },
  };
}

/** Stands in for an MCS cache until the cluster's version is known: empty and never synced. */
export const NOT_YET_DISCOVERED: ResourceCache = {
  start() {},
  stop() {},
  synced: () => false,
  list: () => [],
  get: () => undefined,
  onBatch() {},
};
