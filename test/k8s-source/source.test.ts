// KubernetesSource on its own against the fake API: start() never blocks, discovery retries
// until the MCS group is served, one snapshot per informer batch, metrics shared by two sources
// on one registry, and an idempotent stop() that keeps the data readable.

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadApiConnection } from '../../src/k8s/kubeconfig-lite.js';
import type { ObjectSnapshot } from '../../src/sources/model.js';
import { KubernetesSource, TRIM_EVERY_OBJECTS, TRIM_MIN_OBJECTS } from '../../src/sources/kubernetes-source.js';
import { waitUntil } from '../fake-apiserver/index.js';
import { FAST, logSink, MCS, namespace, serviceImport, slice, TestCluster } from './fixtures.js';

const cluster = new TestCluster();
const sources: KubernetesSource[] = [];

afterEach(async () => {
  for (const s of sources.splice(0)) await s.stop();
  await cluster.close();
});

function newSource(metrics = new Registry(), logger = logSink('warn').logger, trimHeap?: () => boolean): KubernetesSource {
  const s = new KubernetesSource({
    connection: loadApiConnection({ path: cluster.kubeconfig() }),
    logger,
    metrics,
    informerOptions: FAST,
    ...(trimHeap !== undefined ? { trimHeap } : {}),
  });
  sources.push(s);
  return s;
}

async function values(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)?.get();
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) out[Object.values(v.labels).join(',')] = v.value;
  return out;
}

describe('KubernetesSource', () => {
  it('start() resolves at once with the API down; discovery retries until the MCS group is served', async () => {
    const api = await cluster.startApi();
    api.create(namespace('apps'));
    api.create(serviceImport('apps', 'web', { ips: ['10.0.0.1'] }));
    api.faults.failNext(3, 404, `/apis/${MCS}`);
    const sink = logSink('warn');
    const source = newSource(new Registry(), sink.logger);
    await source.start();
    expect(source.synced()).toBe(false);
    await waitUntil(() => source.synced(), 'synced after discovery retries');
    expect(source.current().imports.get('apps/web')?.ips).toEqual(['10.0.0.1']);
    expect(sink.messages().filter((m) => m.startsWith('ServiceImport API discovery failed'))).toHaveLength(3);
    expect(sink.lines.some((l) => JSON.stringify(l['err']).includes('are the MCS API CRDs installed?'))).toBe(true);
  });

  it('publishes one snapshot per informer batch, listing only the services that changed', async () => {
    const api = await cluster.startApi();
    api.create(namespace('apps'));
    const source = newSource();
    await source.start();
    await waitUntil(() => source.synced(), 'synced');
    const seen: ObjectSnapshot[] = [];
    source.subscribe((s) => seen.push(s));
    api.create(serviceImport('apps', 'web', { ips: ['10.0.0.1'] }));
    await waitUntil(() => seen.length === 1, 'one snapshot');
    expect(seen[0]?.changed).toEqual(new Set(['apps/web']));
    api.create(slice('apps', 'web-1', 'web', 'east', [{ ip: '10.1.0.1' }]));
    await waitUntil(() => seen.length === 2, 'second snapshot');
    expect(seen[1]?.changed).toEqual(new Set(['apps/web']));
    expect(seen[1]?.imports.get('apps/web')).toBe(seen[0]?.imports.get('apps/web')); // shared, not rebuilt
  });

  it('two sources on one registry share the metric families (objects summed, stale if any is stale)', async () => {
    const api = await cluster.startApi({ namespaces: ['apps'] });
    api.create(serviceImport('apps', 'web', { ips: ['10.0.0.1'] }));
    api.create(slice('apps', 'web-1', 'web', 'east', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }]));
    const registry = new Registry();
    const a = newSource(registry);
    const b = newSource(registry);
    await a.start();
    await b.start();
    await waitUntil(() => a.synced() && b.synced(), 'both synced');
    expect(await values(registry, 'clusterset_dns_objects')).toEqual({ imports: 2, endpointslices: 2, namespaces: 2, endpoints: 4 });
    expect(await values(registry, 'clusterset_dns_kubernetes_stale')).toEqual({ '': 0 });
    await a.stop();
    expect(await values(registry, 'clusterset_dns_objects')).toEqual({ imports: 1, endpointslices: 1, namespaces: 1, endpoints: 2 });
    await api.stop();
    await waitUntil(() => b.stale(), 'b stale');
    expect(await values(registry, 'clusterset_dns_kubernetes_stale')).toEqual({ '': 1 });
  });

  it('stop() is idempotent, keeps the data readable, and a stopped source does not start again', async () => {
    const api = await cluster.startApi({ namespaces: ['apps'] });
    api.create(serviceImport('apps', 'web', { ips: ['10.0.0.1'] }));
    const source = newSource();
    await source.start();
    await waitUntil(() => source.synced(), 'synced');
    // All three watches open first: one still on its way when stop() aborts it may reach the
    // server's request log only after the count below is taken.
    await waitUntil(() => api.openWatches() === 3, 'three watches open');
    await source.stop();
    await source.stop();
    const watches = api.requests.count('watch');
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'apps', 'web', { spec: { ips: ['10.0.0.2'] } });
    await source.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.requests.count('watch')).toBe(watches);
    expect(source.current().imports.get('apps/web')?.ips).toEqual(['10.0.0.1']);
  });

  it('stop() during discovery retries ends them', async () => {
    const api = await cluster.startApi();
    api.faults.failUntilCleared(503, `/apis/${MCS}`);
    const source = newSource();
    await source.start();
    await waitUntil(() => api.requests.all.filter((r) => r.verb === 'discovery').length >= 2, 'discovery retried');
    await source.stop();
    const attempts = api.requests.all.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.requests.all.length).toBe(attempts);
    expect(source.synced()).toBe(false);
  });

  it('asks for the heap to be trimmed only for a large first list: every so many objects, and once at the end, before it says synced', async () => {
    const api = await cluster.startApi({ namespaces: ['apps'] });
    api.create(serviceImport('apps', 'web', { ips: ['10.0.0.1'] }));
    const trims: boolean[] = [];
    const small = newSource(new Registry(), logSink('warn').logger, () => {
      trims.push(small.synced());
      return true;
    });
    await small.start();
    await waitUntil(() => small.synced(), 'small source synced');
    expect(trims).toEqual([]);

    expect(TRIM_EVERY_OBJECTS).toBeGreaterThan(TRIM_MIN_OBJECTS);
    for (let i = 0; i < TRIM_EVERY_OBJECTS; i++) api.create(serviceImport('apps', `svc${i}`, { ips: ['10.0.0.2'] }));
    const sink = logSink('info');
    const large = newSource(new Registry(), sink.logger, () => {
      trims.push(large.synced());
      return true;
    });
    await large.start();
    await waitUntil(() => large.synced(), 'large source synced');
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'apps', 'web', { spec: { ips: ['10.0.0.3'] } });
    await waitUntil(() => large.current().imports.get('apps/web')?.ips[0] === '10.0.0.3', 'change seen');
    // One when the 2500th object was converted, one when the last list completed; none for the watch.
    expect(trims).toEqual([false, false]);
    expect(sink.messages()).toContain('heap left by the first list given back');
  });
});
