// Per-kind behaviour the apiserver adds on create/update/delete (defaults, allocation, validation)
// for the kinds that have any; the store calls these hooks and knows nothing kind-specific.

import { invalid } from './api-error.js';
import type { IpAllocator } from './ip-allocator.js';
import type { ResourceDef, ResourceTable } from './resources.js';
import { ServiceStrategy } from './service-strategy.js';
import { isRecord, type KubeObject } from './types.js';

export interface KindStrategy {
  /** Called last before a create is stored; may throw an ApiError, must then leave no trace. */
  prepareCreate?(obj: KubeObject): void;
  prepareUpdate?(obj: KubeObject, old: KubeObject): void;
  afterDelete?(obj: KubeObject): void;
}

const namespaceStrategy: KindStrategy = {
  prepareCreate(obj) {
    const name = obj.metadata.name ?? '';
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': name };
    obj.spec = { finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
  },
  prepareUpdate(obj, old) {
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
    obj.spec = old.spec;
  },
};

function endpointSliceStrategy(def: ResourceDef): KindStrategy {
  const check = (obj: KubeObject): void => {
    const name = obj.metadata.name ?? '';
    if (!['IPv4', 'IPv6', 'FQDN'].includes(String(obj.addressType))) {
      throw invalid(def, name, 'addressType', obj.addressType === undefined ? 'Required value' : `Unsupported value: "${String(obj.addressType)}"`);
    }
    if (obj.endpoints === undefined) obj.endpoints = [];
    if (Array.isArray(obj.ports)) {
      for (const port of obj.ports) if (isRecord(port)) port.protocol ??= 'TCP';
    }
  };
  return { prepareCreate: check, prepareUpdate: check };
}

export function buildStrategies(table: ResourceTable, allocators: readonly IpAllocator[]): Map<string, KindStrategy> {
  const strategies = new Map<string, KindStrategy>();
  for (const def of table.all) {
    if (def.key === '/namespaces') strategies.set(def.key, namespaceStrategy);
    if (def.key === '/services') strategies.set(def.key, new ServiceStrategy(def, allocators));
    if (def.key === 'discovery.k8s.io/endpointslices') strategies.set(def.key, endpointSliceStrategy(def));
  }
  return strategies;
}
