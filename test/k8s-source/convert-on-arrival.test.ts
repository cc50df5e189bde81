// The Kubernetes source's informer transform and batch apply: objects are converted as they are
// decoded, the informer keeps only their identity (no spec, managedFields or last-applied
// annotation), and the converted record reaches the SnapshotStore exactly once.

import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { InformerStore, type InformerEvent } from '../../src/k8s/informer-store.js';
import { applyBatch, convertOnArrival, type ConvertedObject, type SkippedObject, type WatchedResource } from '../../src/sources/kubernetes-apply.js';
import { serviceKey } from '../../src/sources/model.js';
import { SnapshotStore } from '../../src/sources/snapshot-store.js';

/** What real clusters attach to objects, which must not be kept. */
function asApplied<T extends KubernetesObject>(obj: T): T {
  obj.metadata = {
    ...obj.metadata,
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(obj) },
    managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }],
  };
  return obj;
}

function serviceImport(name: string, rv: string, ips: unknown = ['10.0.0.1']): KubernetesObject {
  return asApplied({
    apiVersion: 'multicluster.x-k8s.io/v1alpha1',
    kind: 'ServiceImport',
    metadata: { name, namespace: 'ns', resourceVersion: rv },
    spec: { type: 'ClusterSetIP', ips, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  } as KubernetesObject);
}

function slice(name: string, rv: string): KubernetesObject {
  return asApplied({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { 'multicluster.kubernetes.io/service-name': 'svc' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: true } }],
  } as KubernetesObject);
}

const namespace = (name: string, rv: string): KubernetesObject => asApplied({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: rv } });

const cases: { resource: WatchedResource; obj: KubernetesObject; check: (s: SnapshotStore) => unknown; want: unknown }[] = [
  { resource: 'serviceimports', obj: serviceImport('svc', '5'), check: (s) => s.current().imports.get(serviceKey('ns', 'svc'))?.ips, want: ['10.0.0.1'] },
  { resource: 'endpointslices', obj: slice('svc-a', '6'), check: (s) => s.current().slices.get(serviceKey('ns', 'svc'))?.map((r) => r.name), want: ['svc-a'] },
  { resource: 'namespaces', obj: namespace('ns', '7'), check: (s) => [...s.current().namespaces], want: ['ns'] },
];

describe('convert on arrival', () => {
  it.each(cases)('$resource: the informer keeps the identity only; the store gets the record once', ({ resource, obj, check, want }) => {
    const rv = obj.metadata?.resourceVersion;
    const stored = convertOnArrival(resource)(obj);
    const informer = new InformerStore<ConvertedObject>();
    const events = informer.replace([stored]);
    const store = new SnapshotStore();
    const skipped: SkippedObject[] = [];
    applyBatch(store, resource, events, (s) => skipped.push(s));
    store.commit();
    expect(check(store)).toEqual(want);
    expect(skipped).toEqual([]);
    // What stays in the informer: name, namespace and resourceVersion, nothing else.
    expect(informer.list()).toEqual([{ metadata: { name: obj.metadata?.name, namespace: obj.metadata?.namespace, resourceVersion: rv } }]);
  });

  it('a relist with unchanged resourceVersions keeps the stored identities and applies nothing', () => {
    const transform = convertOnArrival('serviceimports');
    const informer = new InformerStore<ConvertedObject>();
    const store = new SnapshotStore();
    applyBatch(store, 'serviceimports', informer.replace([transform(serviceImport('a', '1')), transform(serviceImport('b', '1'))]), () => {});
    store.commit();
    const first = informer.get('ns', 'a');
    const version = store.current().version;
    // The same list again, then one where b changed.
    expect(informer.replace([transform(serviceImport('a', '1')), transform(serviceImport('b', '1'))])).toEqual([]);
    expect(informer.get('ns', 'a')).toBe(first);
    const events: InformerEvent<ConvertedObject>[] = informer.replace([transform(serviceImport('a', '1')), transform(serviceImport('b', '2', ['10.0.0.9']))]);
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual(['update b']);
    applyBatch(store, 'serviceimports', events, () => {});
    store.commit();
    expect(store.current().version).toBe(version + 1);
    expect(store.current().imports.get(serviceKey('ns', 'b'))?.ips).toEqual(['10.0.0.9']);
    expect(informer.get('ns', 'a')?.converted).toBeUndefined();
  });

  it('an update that makes an import invalid removes it and reports why', () => {
    const transform = convertOnArrival('serviceimports');
    const informer = new InformerStore<ConvertedObject>();
    const store = new SnapshotStore();
    applyBatch(store, 'serviceimports', informer.replace([transform(serviceImport('a', '1'))]), () => {});
    const change = informer.apply('MODIFIED', transform(serviceImport('a', '2', 'not-a-list')));
    const skipped: SkippedObject[] = [];
    applyBatch(store, 'serviceimports', change === null ? [] : [change], (s) => skipped.push(s));
    store.commit();
    expect(store.current().imports.size).toBe(0);
    expect(skipped).toMatchObject([{ kind: 'ServiceImport', namespace: 'ns', name: 'a', severity: 'invalid' }]);
  });
});
