import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../fake-apiserver/index.js';
import { derivedServiceName } from '../../src/reconciler/desired/naming.js';
import { MCS, NS, endpointIps, importedSlices, podSlice, service, serviceExport, startClusterset, waitFor, type Harness } from './clusterset-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startClusterset();
});
afterEach(async () => {
  await h.close();
});

function handMadeImport(): KubeObject {
  return {
    apiVersion: MCS,
    kind: 'ServiceImport',
    metadata: { name: 'service1', namespace: NS },
    spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
}

describe('walk-through', () => {
  it('fills spec.ips of a hand-made ServiceImport from the derived Service and writes the slices; a second pass writes nothing', async () => {
    const provider = h.servers['cluster1']!;
    const consumer = h.servers['cluster2']!;
    provider.create(service('service1', [{ name: 'http', port: 80 }]));
    provider.create(podSlice('service1', 'service1-abcde', [{ ip: '10.244.1.5' }, { ip: '10.244.2.7' }]));
    provider.create(serviceExport('service1'));
    consumer.create(handMadeImport());

    const app = await h.startApp();
    const derived = derivedServiceName({ naming: 'hash' }, NS, 'service1');
    const imp = await waitFor('spec.ips on the consumer import', () => {
      const i = consumer.find(MCS, 'ServiceImport', NS, 'service1');
      const ips = (i?.['spec'] as { ips?: string[] } | undefined)?.ips;
      return ips !== undefined && ips.length > 0 ? i : undefined;
    });
    const svc = consumer.get('v1', 'Service', NS, derived);
    expect((imp['spec'] as { ips: string[] }).ips).toEqual((svc['spec'] as { clusterIPs: string[] }).clusterIPs);
    expect(imp.metadata.annotations?.['multicluster.kubernetes.io/derived-service']).toBe(derived);
    expect(svc.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ServiceImport', name: 'service1', uid: imp.metadata.uid });

    await waitFor('consumer slices', () => endpointIps(importedSlices(consumer, 'service1')).length === 2);
    const slices = importedSlices(consumer, 'service1');
    expect(endpointIps(slices)).toEqual(['10.244.1.5', '10.244.2.7']);
    expect(slices[0]?.metadata.labels).toMatchObject({
      'multicluster.kubernetes.io/source-cluster': 'cluster1',
      'kubernetes.io/service-name': derived,
      'endpointslice.kubernetes.io/managed-by': 'clusterset-reconciler',
    });
    await waitFor('status.clusters', () => {
      const st = consumer.get(MCS, 'ServiceImport', NS, 'service1')['status'] as { clusters?: Array<{ cluster: string }> } | undefined;
      return st?.clusters?.[0]?.cluster === 'cluster1';
    });
    // The third cluster has the namespace too: it gets a reconciler-made import.
    await waitFor('cluster3 import', () => consumer !== undefined && h.servers['cluster3']!.find(MCS, 'ServiceImport', NS, 'service1'));
    await waitFor('export conditions', () => {
      const st = provider.get(MCS, 'ServiceExport', NS, 'service1')['status'] as { conditions?: Array<{ type: string; status: string }> } | undefined;
      return st?.conditions?.some((c) => c.type === 'Valid' && c.status === 'True');
    });

    // Converged: a full pass over every key writes nothing.
    await new Promise((r) => setTimeout(r, 300));
    for (const s of Object.values(h.servers)) s.requests.reset();
    for (const key of app.controller.allKeys()) expect(await app.controller.reconcile(key)).toBe(0);
    for (const s of Object.values(h.servers)) expect(s.requests.writes).toEqual([]);

    // Health, readiness and metrics.
    const [healthPort, metricsPort] = app.endpoints.ports();
    expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz?verbose`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain('[+]cluster-cluster1 synced');
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/controller_runtime_reconcile_total\{controller="serviceimport",result="success"\} [1-9]/);
    expect(metrics).toMatch(/clusterset_reconciler_cluster_last_successful_sync_timestamp_seconds\{cluster="cluster2"\} \d/);
    expect(metrics).toContain('workqueue_depth{name="serviceimport/cluster2"}');
    expect(metrics).toMatch(/clusterset_reconciler_api_writes_total\{cluster="cluster2",verb="create",resource="endpointslices",code="201"\} 1/);

    // An endpoint change in the provider reaches the consumer.
    provider.update({ ...podSlice('service1', 'service1-abcde', [{ ip: '10.244.1.5' }, { ip: '10.244.3.9' }]) });
    await waitFor('changed endpoints', () => endpointIps(importedSlices(consumer, 'service1')).includes('10.244.3.9'));
  });
});
