// What a real fleet meets and a quiet stand-in does not: a provider's API server going away (within
// and beyond the grace period, and across a reconciler restart) must never move or delete a
// clusterset IP, and member clusters serving different MCS API versions must converge together.
// A monitor samples every cluster while the test runs and records any ServiceImport whose spec.ips
// names an IP no Service in that cluster holds.

import { afterEach, describe, expect, it } from 'vitest';
import type { FakeApiServer, KubeObject } from '../fake-apiserver/index.js';
import { derivedServiceName } from '../../src/reconciler/desired/naming.js';
import { endpointIps, importedSlices, NS, podSlice, service, startClusterset, waitFor, type Harness } from './clusterset-harness.js';

const V1A1 = 'multicluster.x-k8s.io/v1alpha1';
const V1B1 = 'multicluster.x-k8s.io/v1beta1';

let h: Harness | null = null;
let stopMonitor: (() => void) | null = null;
afterEach(async () => {
  stopMonitor?.();
  stopMonitor = null;
  await h?.close();
  h = null;
});

function findImport(server: FakeApiServer, name: string): KubeObject | undefined {
  // Each fake serves the MCS group in one or both versions; ask in whichever it serves.
  for (const v of [V1B1, V1A1]) {
    try {
      return server.find(v, 'ServiceImport', NS, name);
    } catch {
      // not served in this version
    }
  }
  return undefined;
}

const ipsOf = (i: KubeObject | undefined): string[] => ((i?.['spec'] as { ips?: string[] } | undefined)?.ips ?? []);
const clustersOf = (i: KubeObject | undefined): string[] =>
  ((i?.['status'] as { clusters?: Array<{ cluster: string }> } | undefined)?.clusters ?? []).map((c) => c.cluster);

/** Samples every cluster every 20 ms; returns what it saw go wrong. */
function monitorIps(servers: Record<string, FakeApiServer>, name: string): { violations: string[] } {
  const seen = { violations: [] as string[] };
  const timer = setInterval(() => {
    for (const [cluster, server] of Object.entries(servers)) {
      const held = new Set(server.list('v1', 'Service', NS).flatMap((s) => (s['spec'] as { clusterIPs?: string[] }).clusterIPs ?? []));
      for (const ip of ipsOf(findImport(server, name))) {
        if (!held.has(ip)) seen.violations.push(`${cluster}: spec.ips names ${ip}, which no Service holds`);
      }
    }
  }, 20);
  stopMonitor = () => clearInterval(timer);
  return seen;
}

function exportFrom(c: FakeApiServer, apiVersion: string, name: string, ip: string): void {
  c.create(service(name, [{ name: 'http', port: 80 }]));
  c.create(podSlice(name, `${name}-1`, [{ ip }]));
  c.create({ apiVersion, kind: 'ServiceExport', metadata: { name, namespace: NS } });
}

function handMadeImport(apiVersion: string, name: string): KubeObject {
  return { apiVersion, kind: 'ServiceImport', metadata: { name, namespace: NS }, spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
}

describe('unreachable is not gone', () => {
  it('provider down, down past the grace, back, export deleted, re-created: no clusterset IP moves or dangles', async () => {
    h = await startClusterset();
    const [provider, consumer, third] = [h.servers['cluster1']!, h.servers['cluster2']!, h.servers['cluster3']!];
    exportFrom(provider, V1A1, 'api', '10.1.0.1');
    consumer.create(handMadeImport(V1A1, 'api'));
    const app = await h.startApp({ unreachableGracePeriod: '1s' });
    const seen = monitorIps(h.servers, 'api');
    await waitFor('converged', () => [consumer, third].every((c) => ipsOf(findImport(c, 'api')).length === 1 && endpointIps(importedSlices(c, 'api')).join() === '10.1.0.1'));
    const [ipConsumer, ipThird] = [ipsOf(findImport(consumer, 'api')), ipsOf(findImport(third, 'api'))];
    const uidThird = findImport(third, 'api')?.metadata.uid;

    // Down, within the grace period: nothing changes anywhere.
    await provider.stop();
    await waitFor('provider stale', () => app.controller.clusters.find((c) => c.name === 'cluster1')?.state() === 'stale');
    expect(endpointIps(importedSlices(consumer, 'api'))).toEqual(['10.1.0.1']);

    // Past the grace period: only the endpoints go; imports, IPs, status.clusters and derived Services stay.
    await waitFor('endpoints withdrawn', () => [consumer, third].every((c) => importedSlices(c, 'api').length === 0), 8_000);
    for (const [c, ips] of [
      [consumer, ipConsumer],
      [third, ipThird],
    ] as const) {
      const imp = findImport(c, 'api');
      expect(ipsOf(imp)).toEqual(ips);
      expect(clustersOf(imp)).toEqual(['cluster1']);
    }
    expect(findImport(third, 'api')?.metadata.uid).toBe(uidThird);

    // Back: the endpoints return under the same IPs.
    await provider.restart();
    await waitFor('endpoints back', () => [consumer, third].every((c) => endpointIps(importedSlices(c, 'api')).join() === '10.1.0.1'), 10_000);
    expect(ipsOf(findImport(consumer, 'api'))).toEqual(ipConsumer);
    expect(ipsOf(findImport(third, 'api'))).toEqual(ipThird);

    // An observed deletion withdraws: our import goes, the hand-made one stays with its IP and derived Service.
    provider.delete(V1A1, 'ServiceExport', NS, 'api');
    await waitFor('our import deleted', () => findImport(third, 'api') === undefined);
    await waitFor('hand-made import emptied', () => clustersOf(findImport(consumer, 'api')).length === 0 && importedSlices(consumer, 'api').length === 0);
    expect(ipsOf(findImport(consumer, 'api'))).toEqual(ipConsumer);
    expect(consumer.find('v1', 'Service', NS, derivedServiceName({ naming: 'hash' }, NS, 'api'))).toBeDefined();

    // Re-created: the hand-made import serves again under the same IP.
    provider.create({ apiVersion: V1A1, kind: 'ServiceExport', metadata: { name: 'api', namespace: NS } });
    await waitFor('served again', () => [consumer, third].every((c) => ipsOf(findImport(c, 'api')).length === 1 && endpointIps(importedSlices(c, 'api')).join() === '10.1.0.1'));
    expect(ipsOf(findImport(consumer, 'api'))).toEqual(ipConsumer);
    expect(seen.violations).toEqual([]);
  });

  it('a reconciler that starts while the only provider is down deletes nothing and keeps status.clusters', async () => {
    h = await startClusterset();
    const [provider, consumer, third] = [h.servers['cluster1']!, h.servers['cluster2']!, h.servers['cluster3']!];
    exportFrom(provider, V1A1, 'api', '10.1.0.1');
    consumer.create(handMadeImport(V1A1, 'api'));
    const first = await h.startApp({ unreachableGracePeriod: '1s' });
    await waitFor('converged', () => [consumer, third].every((c) => ipsOf(findImport(c, 'api')).length === 1 && importedSlices(c, 'api').length === 1));
    await first.stop();
    const before = { consumer: findImport(consumer, 'api'), third: findImport(third, 'api') };
    const seen = monitorIps(h.servers, 'api');

    await provider.stop();
    const second = await h.startApp({ unreachableGracePeriod: '1s' });
    await waitFor('the gate opens without the provider', () => second.controller.ready(), 8_000);
    // Give it time to act on every key; then nothing the provider exported may have gone.
    for (const key of second.controller.allKeys()) await second.controller.reconcile(key);
    for (const [c, was] of [
      [consumer, before.consumer],
      [third, before.third],
    ] as const) {
      const imp = findImport(c, 'api');
      expect(imp?.metadata.uid).toBe(was?.metadata.uid);
      expect(ipsOf(imp)).toEqual(ipsOf(was));
      expect(clustersOf(imp)).toEqual(['cluster1']);
    }
    await provider.restart();
    await waitFor('provider synced and served', () => [consumer, third].every((c) => importedSlices(c, 'api').length === 1), 10_000);
    expect(ipsOf(findImport(third, 'api'))).toEqual(ipsOf(before.third));
    expect(seen.violations).toEqual([]);
  });
});

describe('every member in its own MCS API version', () => {
  it('a v1alpha1-only member, a v1beta1-only member and one serving both converge, then a full pass writes nothing', async () => {
    h = await startClusterset(['cluster1', 'cluster2', 'cluster3'], {
      versions: { cluster1: ['v1alpha1'], cluster2: ['v1beta1'], cluster3: ['v1alpha1', 'v1beta1'] },
    });
    const [old, beta, both] = [h.servers['cluster1']!, h.servers['cluster2']!, h.servers['cluster3']!];
    exportFrom(old, V1A1, 'web', '10.1.0.1');
    exportFrom(beta, V1B1, 'web', '10.2.0.1');
    both.create(handMadeImport(V1B1, 'web'));
    const app = await h.startApp();
    await waitFor('versions discovered', () => app.controller.clusters.every((c) => c.mcsApiVersion() !== null));
    expect(app.controller.clusters.map((c) => c.mcsApiVersion())).toEqual(['v1alpha1', 'v1beta1', 'v1beta1']);
    await waitFor('every cluster imports both sources', () =>
      [old, beta, both].every((c) => endpointIps(importedSlices(c, 'web')).join() === '10.1.0.1,10.2.0.1' && ipsOf(findImport(c, 'web')).length === 1),
    );
    await waitFor('export conditions in both versions', () =>
      [
        [old, V1A1],
        [beta, V1B1],
      ].every(([c, v]) => {
        const conds = ((c as FakeApiServer).get(v as string, 'ServiceExport', NS, 'web')['status'] as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
        return conds.some((x) => x.type === 'Ready' && x.status === 'True') && conds.some((x) => x.type === 'Valid' && x.status === 'True');
      }),
    );
    expect(findImport(old, 'web')?.apiVersion).toBe(V1A1);
    expect(findImport(beta, 'web')?.apiVersion).toBe(V1B1);
    expect(clustersOf(findImport(both, 'web'))).toEqual(['cluster1', 'cluster2']);
    await waitFor('import Ready', () =>
      [old, beta, both].every((c) => ((findImport(c, 'web')?.['status'] as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True')),
    );

    await new Promise((r) => setTimeout(r, 300));
    for (const s of Object.values(h.servers)) s.requests.reset();
    let writes = 0;
    for (const key of app.controller.allKeys()) writes += await app.controller.reconcile(key);
    expect(writes).toBe(0);
    for (const s of Object.values(h.servers)) expect(s.requests.writes).toEqual([]);
  });

  it('mcsApiVersion, when set, overrides discovery for every member', async () => {
    h = await startClusterset(['cluster1', 'cluster2'], { versions: { cluster1: ['v1alpha1', 'v1beta1'], cluster2: ['v1alpha1', 'v1beta1'] } });
    const app = await h.startApp({ mcsApiVersion: 'v1alpha1' });
    expect(app.controller.clusters.map((c) => c.mcsApiVersion())).toEqual(['v1alpha1', 'v1alpha1']);
    exportFrom(h.servers['cluster1']!, V1A1, 'svc', '10.1.0.1');
    await waitFor('import made in v1alpha1', () => h!.servers['cluster2']!.requests.writes.some((w) => w.path.includes('/multicluster.x-k8s.io/v1alpha1/')));
    expect(h.servers['cluster2']!.requests.writes.some((w) => w.path.includes('/multicluster.x-k8s.io/v1beta1/'))).toBe(false);
  });
});
