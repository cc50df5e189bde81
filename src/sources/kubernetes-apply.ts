// Applies one informer batch of ServiceImport, EndpointSlice or Namespace events to the
// SnapshotStore, converting each object on arrival. An object that does not convert is reported
// and treated as absent, so an update that makes a good object bad removes its old record.

import type { KubernetesObject } from '@kubernetes/client-node';
import type { InformerEvent } from '../k8s/informer.js';
import { toImportRecord, toNamespaceName, toSliceRecord, type Conversion } from './convert.js';
import type { SnapshotStore } from './snapshot-store.js';

export type WatchedResource = 'serviceimports' | 'endpointslices' | 'namespaces';

/** An object left out of the served data, and why. */
export interface SkippedObject {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly reason: string;
  /** 'invalid': broken data; 'ignored': valid but not served (an FQDN slice). */
  readonly severity: 'invalid' | 'ignored';
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly severity: SkippedObject['severity'] };

interface KindRules {
  readonly kind: string;
  /** Stores the converted record, or says why it cannot be served. */
  put(store: SnapshotStore, obj: unknown): Outcome;
  remove(store: SnapshotStore, namespace: string, name: string): void;
}

const OK: Outcome = { ok: true };

/** Rules for a kind whose conversion either gives a record to store or an error. */
function plainRules<T>(
  kind: string,
  convert: (obj: unknown) => Conversion<T>,
  upsert: (store: SnapshotStore, record: T) => void,
  remove: KindRules['remove'],
): KindRules {
  return {
    kind,
    put(store, obj) {
      const c = convert(obj);
      if (!c.ok) return { ok: false, reason: c.error, severity: 'invalid' };
      upsert(store, c.record);
      return OK;
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
    put(store, obj) {
      const c = toSliceRecord(obj);
      if (c.ok) {
        store.upsertSlice(c.record);
        return OK;
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
};

/** Applies the events (not committing); calls `onSkipped` for each object left out. */
export function applyBatch(
  store: SnapshotStore,
  resource: WatchedResource,
  events: readonly InformerEvent<KubernetesObject>[],
  onSkipped: (skipped: SkippedObject) => void,
): void {
  const rules = RULES[resource];
  for (const event of events) {
    const namespace = event.object.metadata?.namespace ?? '';
    const name = event.object.metadata?.name ?? '';
    if (event.type === 'delete') {
      rules.remove(store, namespace, name);
      continue;
    }
    const outcome = rules.put(store, event.object);
    if (outcome.ok) continue;
    rules.remove(store, namespace, name);
    onSkipped({ kind: rules.kind, namespace, name, reason: outcome.reason, severity: outcome.severity });
  }
}
