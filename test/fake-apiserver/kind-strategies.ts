// Per-kind behaviour the apiserver adds on create/update/delete (defaults, allocation, validation)
// for the kinds that have any, plus the schema checks every built-in write gets (required fields)
// and every custom resource write gets (its CRD's schema); the store asks strategyFor(def) and
// knows nothing kind-specific.

import { invalid, invalidFields } from './api-error.js';
import { clusterRoleBindingStrategy, roleBindingStrategy } from './builtin-strategies/rbac-strategy.js';
import { configMapStrategy, secretStrategy } from './builtin-strategies/config-strategies.js';
import { deploymentStrategy } from './builtin-strategies/deployment-strategy.js';
import { pdbStrategy } from './builtin-strategies/pdb-strategy.js';
import { crdStrategy } from './crd/crd-strategy.js';
import { customResourceStrategy } from './crd/custom-resource-strategy.js';
import type { IpAllocator } from './ip-allocator.js';
import { CRD_KEY, type ResourceDef } from './resources.js';
import { ratchet } from './schema/ratchet.js';
import { missingRequired } from './schema/required.js';
import { resourceSchema } from './schema/resource-schema.js';
import { ServiceStrategy } from './service-strategy.js';
import { isRecord, type KubeObject } from './types.js';

/** The resource and the version a write was made at. */
export interface WriteContext {
  readonly def: ResourceDef;
  readonly version: string;
}

export interface KindStrategy {
  /** Called last before a create is stored; may throw an ApiError, must then leave no trace. */
  prepareCreate?(obj: KubeObject, ctx: WriteContext): void;
  prepareUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): void;
  /** A write through the status subresource: `obj` is the old object with the new status. */
  prepareStatusUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): void;
  afterDelete?(obj: KubeObject): void;
}

export type StrategyProvider = (def: ResourceDef) => KindStrategy;

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

/** Required fields of the built-in schema, checked after the kind's own defaults (errors on unchanged values ratcheted). */
function requiredFields(obj: KubeObject, old: KubeObject | undefined, ctx: WriteContext): void {
  const schema = resourceSchema(ctx.def, ctx.version);
  if (schema === undefined) return;
  const errs = ratchet(missingRequired(obj, schema.root, schema.resolve), obj, old);
  if (errs.length > 0) throw invalidFields(ctx.def, obj.metadata.name ?? '', errs);
}

function withRequiredFields(own: KindStrategy | undefined): KindStrategy {
  return {
    prepareCreate(obj, ctx) {
      own?.prepareCreate?.(obj, ctx);
      requiredFields(obj, undefined, ctx);
    },
    prepareUpdate(obj, old, ctx) {
      own?.prepareUpdate?.(obj, old, ctx);
      requiredFields(obj, old, ctx);
    },
    prepareStatusUpdate(obj, old, ctx) {
      own?.prepareStatusUpdate?.(obj, old, ctx);
      requiredFields(obj, old, ctx);
    },
    ...(own?.afterDelete !== undefined ? { afterDelete: own.afterDelete.bind(own) } : {}),
  };
}

export function buildStrategies(allocators: readonly IpAllocator[]): StrategyProvider {
  const own = new Map<string, KindStrategy>([
    ['/namespaces', namespaceStrategy],
    ['/secrets', secretStrategy],
    ['/configmaps', configMapStrategy],
    ['apps/deployments', deploymentStrategy],
    ['policy/poddisruptionbudgets', pdbStrategy],
    ['rbac.authorization.k8s.io/clusterrolebindings', clusterRoleBindingStrategy],
    ['rbac.authorization.k8s.io/rolebindings', roleBindingStrategy],
    [CRD_KEY, crdStrategy],
  ]);
  const built = new Map<string, KindStrategy>();
  return (def) => {
    if (def.crd) return customResourceStrategy;
    let s = built.get(def.key);
    if (s === undefined) {
      const specific =
        def.key === '/services' ? new ServiceStrategy(def, allocators) : def.key === 'discovery.k8s.io/endpointslices' ? endpointSliceStrategy(def) : own.get(def.key);
      s = withRequiredFields(specific);
      built.set(def.key, s);
    }
    return s;
  };
}
