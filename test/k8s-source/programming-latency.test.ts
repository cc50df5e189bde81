// coredns_kubernetes_dns_programming_duration_seconds: observed for slice changes that carry
// endpoints.kubernetes.io/last-change-trigger-time once the caches have synced, labelled by the
// import's kind; the initial list and slices without the annotation are not observed.

import { afterEach, describe, expect, it } from 'vitest';
import { follows, namespace, serviceImport, slice, TestCluster } from './fixtures.js';

const Z = 'clusterset.local';
const cluster = new TestCluster();
afterEach(async () => cluster.close());

const METRIC = 'coredns_kubernetes_dns_programming_duration_seconds';

function withTrigger(obj: ReturnType<typeof slice>, at: Date): ReturnType<typeof slice> {
  return { ...obj, metadata: { ...obj.metadata, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': at.toISOString() } } };
}

describe('DNS programming latency', () => {
  it('observes annotated slice changes after sync, by service kind', async () => {
    const api = await cluster.startApi();
    api.create(namespace('apps'));
    api.create(serviceImport('apps', 'db', { type: 'Headless' }));
    api.create(serviceImport('apps', 'web', { type: 'ClusterSetIP', ips: ['10.96.0.1'] }));
    // Present at the initial list: not a programming event.
    api.create(withTrigger(slice('apps', 'db-1', 'db', 'east', [{ ip: '10.1.0.1' }]), new Date(Date.now() - 60_000)));
    const h = cluster.harness();
    await h.start();
    const histogram = async (): Promise<Map<string, number>> => {
      const m = await h.runtime.metrics.getSingleMetric(METRIC)!.get();
      return new Map((m.values as { metricName?: string; labels: Record<string, unknown>; value: number }[]).filter((v) => v.metricName === `${METRIC}_count`).map((v) => [String(v.labels['service_kind']), v.value]));
    };
    expect(await histogram()).toEqual(new Map());

    api.update(withTrigger(slice('apps', 'db-1', 'db', 'east', [{ ip: '10.1.0.2' }]), new Date(Date.now() - 1500)));
    await follows(h, `db.apps.svc.${Z}`, 'NOERROR A 10.1.0.2');
    api.create(withTrigger(slice('apps', 'web-1', 'web', 'east', [{ ip: '10.2.0.1' }]), new Date()));
    api.create(slice('apps', 'web-2', 'web', 'west', [{ ip: '10.3.0.1' }])); // no annotation
    await follows(h, `10-3-0-1.west.web.apps.svc.${Z}`, 'NOERROR A 10.3.0.1');
    expect(await histogram()).toEqual(new Map([['headless_with_selector', 1], ['cluster_ip', 1]]));
    const m = await h.runtime.metrics.getSingleMetric(METRIC)!.get();
    const sum = (m.values as { metricName?: string; labels: Record<string, unknown>; value: number }[]).find((v) => v.metricName === `${METRIC}_sum` && v.labels['service_kind'] === 'headless_with_selector')!.value;
    expect(sum).toBeGreaterThanOrEqual(1.5);
    expect(sum).toBeLessThan(60);
    await h.stop();
  });
});
