// Converts each ServiceImport, EndpointSlice, Namespace or ClusterProperty as the informer decodes
// it, and applies one informer batch of such converted objects to the SnapshotStore. The informer
// keeps only the object's identity (what its list/watch bookkeeping needs); the converted record is
// handed to the SnapshotStore once and dropped from the informer's copy, so the raw API objects
// (managedFields, last-applied annotations and all) are never retained. An object that does not
// convert is reported and treated as absent, so an update that makes a good object bad removes its
// old record.

import type { KubernetesObject } from '@kubernetes/client-node';
import type { InformerEvent } from '../k8s/informer.js';
import { CLUSTER_ID_PROPERTY, LABEL_SERVICE_NAME, toClusterId, toImportRecord, toNamespaceName, toSliceRecord, type Conversion } from './convert.js';
import type { SnapshotStore } from './snapshot-store.js';
import { triggerTimeOf } from './kubernetes-programming-latency.js';

export type WatchedResource = 'serviceimports' | 'endpointslices' | 'namespaces' | 'clusterproperties';

/** An object left out of the served data, and why. */
export interface SkippedObject {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly reason: string;
  /** 'invalid': broken data; 'ignored': valid but not served (an FQDN slice, another ClusterProperty). */
  readonly severity: 'invalid' | 'ignored';
}

export type ConversionOutcome =
  | { readonly ok: true; readonly upsert: (store: SnapshotStore) => void }
  | { readonly ok: false; readonly reason: string; readonly severity: SkippedObject['severity'] };

/** What the source's informers store of an object. */
export interface ConvertedObject extends KubernetesObject {
  /** The conversion, until applyBatch hands it to the SnapshotStore (then undefined). */
  converted?: ConversionOutcome;
  /** EndpointSlices: the change's trigger time and the slice's service, until measured. */
  trigger?: { readonly time: number; readonly service: string } | undefined;
}

interface KindRules {
  readonly kind: string;
  /** The converted record (as a way to store it), or why it cannot be served. */
  convert(obj: unknown): ConversionOutcome;
  remove(store: SnapshotStore, namespace: string, name: string): void;
}

/** Rules for a kind whose conversion either gives a record to store or an error. */
function plainRules<T>(
  kind: string,
  convert: (obj: unknown) => Conversion<T>,
  upsert: (store: SnapshotStore, record: T) => void,
  remove: KindRules['remove'],
): KindRules {
  return {
    kind,
    convert(obj) {
      const c = convert(obj);
      if (!c.ok) return { ok: false, reason: c.error, severity: 'invalid' };
      const record = c.record;
      return { ok: true, upsert: (store) => upsert(store, record) };
    },
    remove,
  };
}

const RULES: Readonly<Record<WatchedResource, KindRules>> = {
  serviceimports: plainRules(
    'ServiceImport',
    toImportRecord,
    (store, record) => store.upsertImport(record),
    (store, namespace, name) => store.deleteImport(namespace, name),
  ),
  endpointslices: {
    kind: 'EndpointSlice',
    convert(obj) {
      const c = toSliceRecord(obj);
      if (c.ok) {
        const record = c.record;
        return { ok: true, upsert: (store) => store.upsertSlice(record) };
      }
      return 'ignored' in c ? { ok: false, reason: c.ignored, severity: 'ignored' } : { ok: false, reason: c.error, severity: 'invalid' };
    },
    remove: (store, namespace, name) => store.deleteSlice(namespace, name),
  },
  namespaces: plainRules(
    'Namespace',
    toNamespaceName,
    (store, name) => store.addNamespace(name),
    (store, _namespace, name) => store.deleteNamespace(name),
  ),
  clusterproperties: {
    kind: 'ClusterProperty',
    convert(obj) {
      const c = toClusterId(obj);
      if (c.ok) {
        const id = c.record;
        return { ok: true, upsert: (store) => store.setLocalCluster(id) };
      }
      return 'ignored' in c ? { ok: false, reason: c.ignored, severity: 'ignored' } : { ok: false, reason: c.error, severity: 'invalid' };
    },
    // The informer selects the one property by name; another one's removal must not clear the id.
    remove: (store, _namespace, name) => {
      if (name === CLUSTER_ID_PROPERTY) store.setLocalCluster(null);
    },
  },
};

function sliceTrigger(obj: KubernetesObject): ConvertedObject['trigger'] {
  const time = triggerTimeOf(obj as Parameters<typeof triggerTimeOf>[0]);
  const service = obj.metadata?.labels?.[LABEL_SERVICE_NAME];
  return time === undefined || service === undefined ? undefined : { time, service: `${obj.metadata?.namespace ?? ''}/${service}` };
}

/** The informer transform for one resource: converts the decoded object, keeps only its identity. */
export function convertOnArrival(resource: WatchedResource): (obj: KubernetesObject) => ConvertedObject {
  const rules = RULES[resource];
  return (obj) => {
    const meta = obj.metadata;
    return {
      metadata: { name: meta?.name, namespace: meta?.namespace, resourceVersion: meta?.resourceVersion },
      converted: rules.convert(obj),
      trigger: resource === 'endpointslices' ? sliceTrigger(obj) : undefined,
    };
  };
}

/** Applies the events (not committing); calls `onSkipped` for each object left out. */
export function applyBatch(
  store: SnapshotStore,
  resource: WatchedResource,
  events: readonly InformerEvent<ConvertedObject>[],
  onSkipped: (skipped: SkippedObject) => void,
): void {
  const rules = RULES[resource];
  for (const event of events) {
    const namespace = event.object.metadata?.namespace ?? '';
    const name = event.object.metadata?.name ?? '';
    const outcome = event.object.converted;
    // Handed over once: the store now holds the record, the informer only the identity. (Set to
    // undefined rather than deleted, which would make V8 store the object as a slower, bigger map.)
    event.object.converted = undefined;
    if (event.type === 'delete') {
      rules.remove(store, namespace, name);
      continue;
    }
    if (outcome === undefined) {
      // Already applied (the informer emitted this same object before): nothing new to store.
      continue;
    }
    if (outcome.ok) {
      outcome.upsert(store);
      continue;
    }
    rules.remove(store, namespace, name);
    onSkipped({ kind: rules.kind, namespace, name, reason: outcome.reason, severity: outcome.severity });
  }
}
