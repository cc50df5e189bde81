import { afterEach, describe, expect, it } from 'vitest';
import type { FakeApiServer, KubeObject } from '../fake-apiserver/index.js';
import { derivedServiceName } from '../../src/reconciler/desired/naming.js';
import { MCS, NS, endpointIps, importedSlices, podSlice, service, serviceExport, startClusterset, waitFor, type Harness } from './clusterset-harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

type Cond = { type: string; status: string; reason: string; lastTransitionTime: string };
const conditions = (o: KubeObject | undefined): Cond[] => ((o?.['status'] as { conditions?: Cond[] } | undefined)?.conditions ?? []);
const cond = (o: KubeObject | undefined, type: string) => conditions(o).find((c) => c.type === type);
/** Service, one pod slice and the ServiceExport of `name` in one cluster. */
function exportFrom(c: FakeApiServer, name: string, ip: string): void {
  c.create(service(name, [{ name: 'http', port: 80 }]));
  c.create(podSlice(name, `${name}-1`, [{ ip }]));
  c.create(serviceExport(name));
}
const clustersOf = (o: KubeObject | undefined) => ((o?.['status'] as { clusters?: Array<{ cluster: string }> } | undefined)?.clusters ?? []).map((c) => c.cluster);

describe('headless StatefulSet exported from two clusters', () => {
  it('imports per-pod endpoints with hostnames from both clusters, no derived Service, no ips', async () => {
    h = await startClusterset();
    const s = h.servers;
    for (const [name, base] of [
      ['cluster1', '10.1.0.'],
      ['cluster2', '10.2.0.'],
    ] as const) {
      s[name]!.create(service('db', [{ name: 'pg', port: 5432 }], { clusterIP: 'None' }));
      s[name]!.create(
        podSlice('db', 'db-x', [
          { ip: `${base}10`, hostname: 'db-0' },
          { ip: `${base}11`, hostname: 'db-1' },
        ], { name: 'pg', port: 5432, protocol: 'TCP' }),
      );
      s[name]!.create(serviceExport('db'));
    }
    await h.startApp();
    const consumer = s['cluster3']!;
    await waitFor('slices from both clusters', () => importedSlices(consumer, 'db').length === 2);
    const slices = importedSlices(consumer, 'db');
    const bySource = Object.fromEntries(
      slices.map((x) => [
        x.metadata.labels?.['multicluster.kubernetes.io/source-cluster'],
        (x['endpoints'] as Array<{ hostname: string; addresses: string[] }>).map((e) => `${e.hostname}=${e.addresses[0]}`),
      ]),
    );
    expect(bySource).toEqual({ cluster1: ['db-0=10.1.0.10', 'db-1=10.1.0.11'], cluster2: ['db-0=10.2.0.10', 'db-1=10.2.0.11'] });
    for (const x of slices) expect(x.metadata.labels?.['kubernetes.io/service-name']).toBeUndefined();
    const imp = await waitFor('import status', () => {
      const i = consumer.find(MCS, 'ServiceImport', NS, 'db');
      return clustersOf(i).length === 2 ? i : undefined;
    });
    expect(imp['spec']).toMatchObject({ type: 'Headless', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] });
    expect((imp['spec'] as { ips?: string[] }).ips).toBeUndefined();
    expect(consumer.find('v1', 'Service', NS, derivedServiceName({ naming: 'hash' }, NS, 'db'))).toBeUndefined();
  });
});

describe('conflicts', () => {
  it('port and type conflicts: oldest export wins, younger ones get Conflict=True; transition times move only on flips', async () => {
    h = await startClusterset();
    const [c1, c2, c3] = [h.servers['cluster1']!, h.servers['cluster2']!, h.servers['cluster3']!];
    c1.create(service('web', [{ name: 'http', port: 80 }]));
    c1.create(serviceExport('web'));
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamps have one-second resolution
    c2.create(service('web', [{ name: 'http', port: 8080 }]));
    c2.create(serviceExport('web'));
    c3.create(service('web', [{ name: 'http', port: 80 }], { clusterIP: 'None' }));
    c3.create(serviceExport('web'));
    await h.startApp();

    await waitFor('conflict conditions', () => cond(c2.find(MCS, 'ServiceExport', NS, 'web'), 'Conflict')?.status === 'True' && cond(c3.find(MCS, 'ServiceExport', NS, 'web'), 'Conflict')?.status === 'True');
    expect(cond(c1.get(MCS, 'ServiceExport', NS, 'web'), 'Conflict')).toMatchObject({ status: 'False', reason: 'NoConflicts' });
    expect(cond(c2.get(MCS, 'ServiceExport', NS, 'web'), 'Conflict')).toMatchObject({ reason: 'PortConflict' });
    expect(cond(c3.get(MCS, 'ServiceExport', NS, 'web'), 'Conflict')).toMatchObject({ reason: 'TypeConflict' });
    const imp = await waitFor('import with two clusters', () => {
      const i = c1.find(MCS, 'ServiceImport', NS, 'web');
      return clustersOf(i).length === 2 ? i : undefined;
    });
    expect(clustersOf(imp)).toEqual(['cluster1', 'cluster2']); // the type-conflicting export is not imported
    expect(imp['spec']).toMatchObject({ type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });

    const before = cond(c2.get(MCS, 'ServiceExport', NS, 'web'), 'Conflict')!;
    const validBefore = cond(c2.get(MCS, 'ServiceExport', NS, 'web'), 'Valid')!;
    await new Promise((r) => setTimeout(r, 1100));
    // Resolving the port conflict flips Conflict (new time) but not Valid (time kept).
    c2.update(service('web', [{ name: 'http', port: 80 }]));
    await waitFor('conflict resolved', () => cond(c2.find(MCS, 'ServiceExport', NS, 'web'), 'Conflict')?.status === 'False');
    const after = c2.get(MCS, 'ServiceExport', NS, 'web');
    expect(cond(after, 'Conflict')!.lastTransitionTime > before.lastTransitionTime).toBe(true);
    expect(cond(after, 'Valid')!.lastTransitionTime).toBe(validBefore.lastTransitionTime);
  });
});

describe('deletion', () => {
  it('deleting one export withdraws its slices; deleting the last removes our imports but keeps a hand-made one', async () => {
    h = await startClusterset();
    const [c1, c2, c3] = [h.servers['cluster1']!, h.servers['cluster2']!, h.servers['cluster3']!];
    exportFrom(c1, 'api', '10.1.0.1');
    exportFrom(c2, 'api', '10.2.0.1');
    c3.create({ apiVersion: MCS, kind: 'ServiceImport', metadata: { name: 'api', namespace: NS }, spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    await h.startApp();
    await waitFor('both sources in cluster3', () => endpointIps(importedSlices(c3, 'api')).length === 2);
    const ips = await waitFor('ips', () => (c3.get(MCS, 'ServiceImport', NS, 'api')['spec'] as { ips?: string[] }).ips);

    c2.delete(MCS, 'ServiceExport', NS, 'api');
    await waitFor('cluster2 slices withdrawn everywhere', () =>
      [c1, c2, c3].every((c) => endpointIps(importedSlices(c, 'api')).join() === '10.1.0.1'),
    );
    await waitFor('status.clusters updated', () => clustersOf(c3.find(MCS, 'ServiceImport', NS, 'api')).join() === 'cluster1');

    c1.delete(MCS, 'ServiceExport', NS, 'api');
    await waitFor('our imports deleted', () => c1.find(MCS, 'ServiceImport', NS, 'api') === undefined && c2.find(MCS, 'ServiceImport', NS, 'api') === undefined);
    await waitFor('slices gone', () => importedSlices(c3, 'api').length === 0);
    const kept = await waitFor('hand-made import kept', () => {
      const i = c3.find(MCS, 'ServiceImport', NS, 'api');
      return i !== undefined && clustersOf(i).length === 0 ? i : undefined;
    });
    expect((kept['spec'] as { ips?: string[] }).ips).toEqual(ips);
    // Its derived Service stays too, so spec.ips names an IP a Service of ours holds.
    const derived = c3.get('v1', 'Service', NS, derivedServiceName({ naming: 'hash' }, NS, 'api'));
    expect((derived['spec'] as { clusterIPs: string[] }).clusterIPs).toEqual(ips);
    expect(cond(kept, 'Ready')).toMatchObject({ status: 'False', reason: 'Pending' });
  });

  it('deleting a hand-made import while exported: garbage collection removes its dependents, the reconciler re-creates them', async () => {
    h = await startClusterset();
    const [c1, c2] = [h.servers['cluster1']!, h.servers['cluster2']!];
    exportFrom(c1, 'svc', '10.1.0.1');
    c2.create({ apiVersion: MCS, kind: 'ServiceImport', metadata: { name: 'svc', namespace: NS }, spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    await h.startApp();
    await waitFor('slices', () => importedSlices(c2, 'svc').length === 1);
    const oldUid = c2.get(MCS, 'ServiceImport', NS, 'svc').metadata.uid;
    c2.delete(MCS, 'ServiceImport', NS, 'svc');
    const fresh = await waitFor('re-created import', () => {
      const i = c2.find(MCS, 'ServiceImport', NS, 'svc');
      return i !== undefined && i.metadata.uid !== oldUid && ((i['spec'] as { ips?: string[] }).ips?.length ?? 0) > 0 ? i : undefined;
    });
    expect(fresh.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('clusterset-reconciler');
    await waitFor('slices owned by the new import', () =>
      importedSlices(c2, 'svc').some((s) => s.metadata.ownerReferences?.[0]?.uid === fresh.metadata.uid),
    );
  });
});

describe('unreachable cluster', () => {
  it('within the grace period its endpoints stay; beyond it they are withdrawn; they return with the cluster; other clusters keep working', async () => {
    h = await startClusterset();
    const [c1, c2, c3] = [h.servers['cluster1']!, h.servers['cluster2']!, h.servers['cluster3']!];
    exportFrom(c1, 'app', '10.1.0.1');
    exportFrom(c2, 'app', '10.2.0.1');
    const app = await h.startApp({ unreachableGracePeriod: '1500ms' });
    await waitFor('both sources imported in cluster3', () => endpointIps(importedSlices(c3, 'app')).length === 2);
    const importBefore = await waitFor('import with ips', () => {
      const i = c3.find(MCS, 'ServiceImport', NS, 'app');
      return ((i?.['spec'] as { ips?: string[] } | undefined)?.ips?.length ?? 0) > 0 ? i : undefined;
    });

    await c1.stop();
    await waitFor('cluster1 seen unreachable', () => app.controller.clusters.find((c) => c.name === 'cluster1')?.state() === 'stale');
    // Within the grace period nothing is withdrawn, and work on other clusters continues.
    c2.update(podSlice('app', 'app-1', [{ ip: '10.2.0.2' }]));
    await waitFor('cluster2 change served while cluster1 is down', () => endpointIps(importedSlices(c3, 'app')).join() === '10.1.0.1,10.2.0.2');

    await waitFor('cluster1 endpoints withdrawn after the grace period', () => endpointIps(importedSlices(c3, 'app')).join() === '10.2.0.2', 8_000);
    // Unreachable is not gone: cluster1's export still counts, only its endpoints went.
    expect(clustersOf(c3.get(MCS, 'ServiceImport', NS, 'app'))).toEqual(['cluster1', 'cluster2']);
    expect(c3.get(MCS, 'ServiceImport', NS, 'app')['spec']).toEqual(importBefore['spec']);

    await c1.restart();
    await waitFor('cluster1 endpoints restored', () => endpointIps(importedSlices(c3, 'app')).join() === '10.1.0.1,10.2.0.2', 8_000);
    expect(c3.get(MCS, 'ServiceImport', NS, 'app').metadata.uid).toBe(importBefore.metadata.uid);
    expect(c3.get(MCS, 'ServiceImport', NS, 'app')['spec']).toEqual(importBefore['spec']);
  });
});
