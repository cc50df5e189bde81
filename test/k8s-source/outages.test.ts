// End to end through API trouble: a 410 in the middle of a stream (old answers while the relist
// fails, then the new ones), the API down and back (answers unchanged, stale metric and log, then
// follow again), a silent watch recovered, a start with the API down (SERVFAIL instead of
// NXDOMAIN, then right answers), and readiness that flips only once all three caches synced.

import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { answers, eventually, follows, logSink, MCS, multiclusterPlugin, namespace, serviceImport, slice, TestCluster } from './fixtures.js';

const Z = 'clusterset.local';
const SVC1 = `service1.provider-ns.svc.${Z}`;
const MISSING = `nope.provider-ns.svc.${Z}`;
const cluster = new TestCluster();

afterEach(async () => {
  await cluster.close();
});

async function metric(h: Harness, name: string): Promise<string> {
  return (await h.runtime.metrics.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

function seed(): void {
  const api = cluster.api!;
  api.create(namespace('provider-ns'));
  api.create(serviceImport('provider-ns', 'service1', { ips: ['10.0.0.1'] }));
  api.create(serviceImport('provider-ns', 'db', { type: 'Headless' }));
  api.create(slice('provider-ns', 'db-east', 'db', 'east', [{ ip: '10.1.0.1' }]));
}

describe('Kubernetes source through API trouble', () => {
  it('410 in the middle of a stream: old answers while the relist fails, then the new ones', async () => {
    const api = await cluster.startApi();
    seed();
    const sink = logSink('info');
    const h = cluster.harness([], sink.logger);
    await h.start();
    expect(await answers(h, SVC1)).toBe('NOERROR A 10.0.0.1');

    // The change is missed (muted stream), then the history it sits in is compacted away.
    api.faults.silenceWatches(true);
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'service1', { spec: { ips: ['10.0.0.2'] } });
    api.faults.compactHistory();
    api.faults.silenceWatches(false);
    api.faults.failUntilCleared(500, /serviceimports\?.*limit=/);
    const lists = api.requests.count('list', 'serviceimports');
    api.faults.closeWatches(); // re-watch from the old resourceVersion -> 410 -> relist (failing)
    await eventually(async () => api.requests.count('list', 'serviceimports'), (n) => n >= lists + 2, 'relist attempts');
    expect(sink.lines.some((l) => String(l['informer']).endsWith('/serviceimports') && String(l['msg']).includes('expired (410)'))).toBe(true);
    expect(await answers(h, SVC1)).toBe('NOERROR A 10.0.0.1');
    expect(await answers(h, `db.provider-ns.svc.${Z}`)).toBe('NOERROR A 10.1.0.1');
    expect(await answers(h, MISSING)).toBe('NXDOMAIN'); // still synced: no SERVFAIL

    api.faults.clearFailures();
    await follows(h, SVC1, 'NOERROR A 10.0.0.2');
  });

  it('API down for a while: answers unchanged, stale metric and log, then answers follow again', async () => {
    const api = await cluster.startApi();
    seed();
    const sink = logSink('info');
    const h = cluster.harness([], sink.logger);
    await h.start();
    expect(await metric(h, 'clusterset_dns_kubernetes_stale')).toBe('clusterset_dns_kubernetes_stale 0');
    expect(await metric(h, 'clusterset_dns_objects')).toBe(
      [
        'clusterset_dns_objects{kind="imports"} 2',
        'clusterset_dns_objects{kind="endpointslices"} 1',
        'clusterset_dns_objects{kind="namespaces"} 5',
        'clusterset_dns_objects{kind="endpoints"} 1',
      ].join('\n'),
    );
    expect(await metric(h, 'clusterset_dns_kubernetes_last_sync_timestamp_seconds')).toMatch(
      /resource="namespaces"} \d+(\.\d+)?\n.*resource="endpointslices"} \d+(\.\d+)?\n.*resource="serviceimports"} \d+/,
    );

    await api.stop();
    await eventually(() => metric(h, 'clusterset_dns_kubernetes_stale'), (m) => m.endsWith(' 1'), 'stale metric 1');
    expect(sink.messages().some((m) => /serving the last known data, stale since \d{4}-\d\d-\d\dT/.test(m))).toBe(true);
    // Changes made meanwhile are not seen, and nothing is flushed.
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'service1', { spec: { ips: ['10.0.0.3'] } });
    api.delete('discovery.k8s.io/v1', 'EndpointSlice', 'provider-ns', 'db-east');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await answers(h, SVC1)).toBe('NOERROR A 10.0.0.1');
    expect(await answers(h, `db.provider-ns.svc.${Z}`)).toBe('NOERROR A 10.1.0.1');
    expect(await answers(h, MISSING)).toBe('NXDOMAIN');
    expect(multiclusterPlugin(h).ready()).toBe(true);

    await api.restart();
    await follows(h, SVC1, 'NOERROR A 10.0.0.3');
    await follows(h, `db.provider-ns.svc.${Z}`, 'NXDOMAIN');
    await eventually(() => metric(h, 'clusterset_dns_kubernetes_stale'), (m) => m.endsWith(' 0'), 'stale metric 0');
    expect(sink.messages()).toContain('kubernetes API reachable again: data is current');
  });

  it('a silent watch (no events, no bookmarks) is dropped and re-opened, and the missed change arrives', async () => {
    const api = await cluster.startApi();
    seed();
    const h = cluster.harness([], undefined, { backoff: { initialMs: 20, maxMs: 200 }, idleTimeoutMs: 400 });
    await h.start();
    api.faults.silenceWatches(true);
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'service1', { spec: { ips: ['10.0.0.4'] } });
    api.faults.silenceWatches(false); // only new watches speak again: the open ones stay mute
    expect(await answers(h, SVC1)).toBe('NOERROR A 10.0.0.1');
    await follows(h, SVC1, 'NOERROR A 10.0.0.4');
  });

  it('start with the API down: SERVFAIL for would-be NXDOMAIN after startup_timeout, right answers once it appears', async () => {
    const api = await cluster.startApi();
    seed();
    await api.stop();
    const sink = logSink('info');
    const h = cluster.harness(['startup_timeout 200ms'], sink.logger);
    const began = Date.now();
    await h.start(); // returns after startup_timeout although nothing synced
    expect(Date.now() - began).toBeGreaterThanOrEqual(150);
    const plugin = multiclusterPlugin(h);
    expect(plugin.ready()).toBe(false);
    expect(await answers(h, SVC1)).toBe('SERVFAIL');
    expect(await answers(h, MISSING)).toBe('SERVFAIL');
    expect(sink.messages().some((m) => m.includes('not synced within startup_timeout'))).toBe(true);

    await api.restart();
    await follows(h, SVC1, 'NOERROR A 10.0.0.1');
    await eventually(async () => plugin.ready(), (r) => r, 'ready');
    expect(await answers(h, MISSING)).toBe('NXDOMAIN');
  });

  it('readiness flips only when ServiceImports, EndpointSlices and Namespaces have all synced', async () => {
    const api = await cluster.startApi();
    seed();
    api.faults.failUntilCleared(500, /endpointslices/);
    const sink = logSink('info');
    const h = cluster.harness(['startup_timeout 100ms'], sink.logger);
    await h.start();
    const plugin = multiclusterPlugin(h);
    // Imports and namespaces arrive; slices are held back by the API.
    await follows(h, SVC1, 'NOERROR A 10.0.0.1');
    await eventually(async () => api.requests.count('list', 'endpointslices'), (n) => n >= 3, 'slice list retries');
    expect(plugin.ready()).toBe(false);
    expect(await answers(h, MISSING)).toBe('SERVFAIL');
    expect(await answers(h, `db.provider-ns.svc.${Z}`)).toBe('SERVFAIL'); // headless, its slices not known yet
    expect(sink.messages().filter((m) => m.startsWith('multicluster caches synced'))).toEqual([]);

    api.faults.clearFailures();
    await eventually(async () => plugin.ready(), (r) => r, 'ready');
    expect(await answers(h, MISSING)).toBe('NXDOMAIN');
    expect(await answers(h, `db.provider-ns.svc.${Z}`)).toBe('NOERROR A 10.1.0.1');
    expect(sink.messages().filter((m) => m.startsWith('multicluster caches synced'))).toEqual([
      'multicluster caches synced: serviceimports, endpointslices, namespaces',
    ]);
  });
});
