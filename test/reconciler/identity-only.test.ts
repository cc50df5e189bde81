// Most Services of a fleet are never exported: the reconciler keeps their identity only (name,
// namespace, uid, resourceVersion), and their EndpointSlices likewise; an exported Service and its
// slices are kept whole. A ServiceExport that appears later for a Service kept as identity only
// makes the reconciler fetch that Service and its slices once, and the export is served as usual.

import { afterEach, describe, expect, it } from 'vitest';
import { endpointIps, importedSlices, MCS, NS, podSlice, service, serviceExport, startClusterset, waitFor, type Harness } from './clusterset-harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('identity-only caching of what nobody exports', () => {
  it('keeps unexported Services and slices as identity, exported ones whole; a later export is fetched and served', async () => {
    h = await startClusterset(['cluster1', 'cluster2']);
    const [provider, consumer] = [h.servers['cluster1']!, h.servers['cluster2']!];
    for (let i = 0; i < 20; i++) {
      provider.create(service(`plain${i}`, [{ name: 'http', port: 80 }]));
      provider.create(podSlice(`plain${i}`, `plain${i}-1`, [{ ip: `10.9.0.${i + 1}` }]));
    }
    provider.create(service('api', [{ name: 'http', port: 80 }]));
    provider.create(podSlice('api', 'api-1', [{ ip: '10.1.0.1' }]));
    provider.create(serviceExport('api'));
    const app = await h.startApp();
    await waitFor('api imported', () => endpointIps(importedSlices(consumer, 'api')).join() === '10.1.0.1');

    const member = app.controller.clusters.find((c) => c.name === 'cluster1')!;
    const plain = member.caches.services.get(NS, 'plain3')!;
    expect(plain.metadata?.name).toBe('plain3');
    expect(plain.metadata?.resourceVersion).toBeDefined();
    expect(plain['spec']).toBeUndefined();
    expect(member.exported.isIdentityOnly(plain)).toBe(true);
    const plainSlice = member.caches.sourceSlices.get(NS, 'plain3-1')!;
    expect(plainSlice['endpoints']).toBeUndefined();
    expect(member.caches.services.get(NS, 'api')?.['spec']).toBeDefined();
    expect(member.caches.sourceSlices.get(NS, 'api-1')?.['endpoints']).toBeDefined();

    // An export for a Service kept as identity only: fetched, then imported with its ports and endpoints.
    provider.requests.reset();
    provider.create(serviceExport('plain3'));
    await waitFor('plain3 imported', () => endpointIps(importedSlices(consumer, 'plain3')).join() === '10.9.0.4');
    expect(provider.requests.all.filter((r) => r.method === 'GET' && r.path.startsWith(`/api/v1/namespaces/${NS}/services/plain3`))).toHaveLength(1);
    const imp = consumer.get(MCS, 'ServiceImport', NS, 'plain3');
    expect(imp['spec']).toMatchObject({ type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    // From now on its changes arrive whole and flow as for any export.
    provider.update(podSlice('plain3', 'plain3-1', [{ ip: '10.9.0.4' }, { ip: '10.9.1.4' }]));
    await waitFor('plain3 change served', () => endpointIps(importedSlices(consumer, 'plain3')).join() === '10.9.0.4,10.9.1.4');
    expect(member.caches.sourceSlices.get(NS, 'plain3-1')?.['endpoints']).toBeDefined();

    // Converged: a full pass writes nothing.
    await new Promise((r) => setTimeout(r, 300));
    for (const s of Object.values(h.servers)) s.requests.reset();
    let writes = 0;
    for (const key of app.controller.allKeys()) writes += await app.controller.reconcile(key);
    expect(writes).toBe(0);
  });
});
