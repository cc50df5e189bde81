// The mission's walk-through end to end on loopback: three fake clusters, the reconciler, and a
// clusterset-dns pointed at the consumer cluster's API, asked with dig over real sockets.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../ops-e2e/live-server.js';
import { dig } from '../support/dig.js';
import { makeHarness, type Harness as DnsHarness } from '../support/harness.js';
import { MCS, NS, podSlice, service, serviceExport, startClusterset, waitFor, type Harness } from './clusterset-harness.js';

const Z = 'clusterset.local';

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

describe('walk-through: export in one cluster, dig in another', () => {
  let h: Harness;
  let dns: DnsHarness;
  let port: number;
  let metricsPort: number;
  beforeAll(async () => {
    metricsPort = await freePort();
    h = await startClusterset();
    const provider = h.servers['cluster1']!;
    const second = h.servers['cluster3']!;
    const consumer = h.servers['cluster2']!;
    // ClusterSetIP: service1 with two ready pods in the provider; a hand-made import in the consumer.
    provider.create(service('service1', [{ name: 'http', port: 80 }]));
    provider.create(podSlice('service1', 'service1-abcde', [{ ip: '10.244.1.5' }, { ip: '10.244.2.7' }]));
    provider.create(serviceExport('service1'));
    consumer.create({ apiVersion: MCS, kind: 'ServiceImport', metadata: { name: 'service1', namespace: NS }, spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    // Headless StatefulSet exported from two clusters.
    for (const [server, ip] of [[provider, '10.244.1.20'], [second, '10.245.1.20']] as const) {
      server.create(service('db', [{ name: 'pg', port: 5432 }], { clusterIP: 'None' }));
      server.create(podSlice('db', 'db-xyz', [{ ip, hostname: 'db-0' }], { name: 'pg', port: 5432, protocol: 'TCP' }));
      server.create(serviceExport('db'));
    }
    await h.startApp();
    dns = makeHarness({
      corefile: `${Z} {\n  prometheus 127.0.0.1:${metricsPort}\n  multicluster {\n    kubeconfig ${h.kubeconfigs['cluster2']}\n    startup_timeout 10s\n  }\n}\n`,
      runtime: { kubernetesInformer: { backoff: { initialMs: 50, maxMs: 500 }, idleTimeoutMs: 5000 } },
    });
    port = await dns.serve();
  });
  afterAll(async () => {
    await dns?.stop();
    await h?.close();
  });

  it('answers the clusterset IP the reconciler filled in from the derived Service', async () => {
    const consumer = h.servers['cluster2']!;
    const ips = await waitFor('spec.ips', () => {
      const i = consumer.find(MCS, 'ServiceImport', NS, 'service1');
      const v = (i?.['spec'] as { ips?: string[] } | undefined)?.ips;
      return v !== undefined && v.length > 0 ? v : undefined;
    });
    const r = await until('A answer', () => dig(port, [`service1.${NS}.svc.${Z}`]), (x) => x.answer.length > 0);
    expect(r.answer).toEqual([`service1.${NS}.svc.${Z}. 5 IN A ${ips[0]}`]);
    const srv = await dig(port, [`_http._tcp.service1.${NS}.svc.${Z}`, 'SRV']);
    expect(srv.answer).toEqual([`_http._tcp.service1.${NS}.svc.${Z}. 5 IN SRV 0 100 80 service1.${NS}.svc.${Z}.`]);
  });

  it('answers per-pod names of a headless import from both clusters', async () => {
    const all = await until('headless A', () => dig(port, [`db.${NS}.svc.${Z}`]), (x) => x.answer.length === 2);
    expect(all.answer).toEqual([`db.${NS}.svc.${Z}. 5 IN A 10.244.1.20`, `db.${NS}.svc.${Z}. 5 IN A 10.245.1.20`]);
    expect((await dig(port, [`db-0.cluster1.db.${NS}.svc.${Z}`])).answer).toEqual([`db-0.cluster1.db.${NS}.svc.${Z}. 5 IN A 10.244.1.20`]);
    expect((await dig(port, [`db-0.cluster3.db.${NS}.svc.${Z}`])).answer).toEqual([`db-0.cluster3.db.${NS}.svc.${Z}. 5 IN A 10.245.1.20`]);
  });

  it('stops answering a pod that goes away in its cluster', async () => {
    h.servers['cluster3']!.update(podSlice('db', 'db-xyz', [{ ip: '10.245.1.20', hostname: 'db-0', ready: false }], { name: 'pg', port: 5432, protocol: 'TCP' }));
    const r = await until('withdrawn pod', () => dig(port, [`db-0.cluster3.db.${NS}.svc.${Z}`]), (x) => x.status === 'NXDOMAIN');
    expect(r.status).toBe('NXDOMAIN');
    expect((await dig(port, [`db.${NS}.svc.${Z}`])).answer).toEqual([`db.${NS}.svc.${Z}. 5 IN A 10.244.1.20`]);
  });

  it("the imported slices carry the provider's last-change-trigger-time, so DNS programming latency is measured end to end (/metrics)", async () => {
    const metric = 'coredns_kubernetes_dns_programming_duration_seconds_count{service_kind="cluster_ip"}';
    const count = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(metric));
      return line === undefined ? 0 : Number(line.slice(metric.length).trim());
    };
    await until('first answer', () => dig(port, [`service1.${NS}.svc.${Z}`]), (x) => x.answer.length > 0);
    const before = await count();
    const slice = podSlice('service1', 'service1-abcde', [{ ip: '10.244.1.5' }, { ip: '10.244.2.8' }]);
    slice.metadata.annotations = { 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString() };
    h.servers['cluster1']!.update(slice);
    await until('the change observed in the consumer DNS server', count, (n) => n > before);
    const consumerSlice = h.servers['cluster2']!.list('discovery.k8s.io/v1', 'EndpointSlice', NS).find(
      (x) => x.metadata.labels?.['multicluster.kubernetes.io/service-name'] === 'service1',
    );
    expect(consumerSlice?.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toBe(slice.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time']);
  });
});
