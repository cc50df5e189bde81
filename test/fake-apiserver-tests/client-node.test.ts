// @kubernetes/client-node, unmodified, against the fake: kubeconfig loading, KubernetesObjectApi
// CRUD (which uses discovery), the generated CoreV1Api, makeInformer list+watch, its 410 relist,
// and a raw Watch asking for bookmarks.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  Watch,
  type KubernetesObject,
  type V1Service,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, waitUntil as until, type FakeApiServer } from '../fake-apiserver/index.js';

describe('client-node against the fake apiserver', () => {
  let api: FakeApiServer;
  let dir: string;
  let kc: KubeConfig;
  beforeEach(async () => {
    api = await startFakeApiServer({ bookmarkIntervalMs: 50 });
    dir = mkdtempSync(join(tmpdir(), 'fake-cn-'));
    kc = new KubeConfig();
    kc.loadFromFile(api.writeKubeconfig(dir, 'consumer'));
  });
  afterEach(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('KubernetesObjectApi creates, reads, patches, lists and deletes built-in and custom objects', async () => {
    const client = KubernetesObjectApi.makeApiClient(kc);
    const created = await client.create<KubernetesObject & { spec?: { clusterIP?: string } }>({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ port: 80 }] },
    } as KubernetesObject);
    expect(created.spec?.clusterIP).toMatch(/^10\.96\./);
    const si = await client.create({
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    } as KubernetesObject);
    expect(si.metadata?.uid).toBeDefined();
    const labels = { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'web', namespace: 'default', labels: { patched: 'yes' } } };
    // client-node patches with a strategic merge patch by default, which custom resources refuse (415).
    await expect(client.patch(labels as KubernetesObject)).rejects.toMatchObject({ code: 415 });
    const patched = await client.patch(labels as KubernetesObject, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
    expect(patched.metadata?.labels).toEqual({ patched: 'yes' });
    const read = await client.read({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' } });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const list = await client.list('multicluster.x-k8s.io/v1alpha1', 'ServiceImport', 'default');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['web']);
    await client.delete({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' } });
    await expect(client.read({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' } })).rejects.toMatchObject({ code: 404 });
    // The dummy bearer token from the kubeconfig reaches the server.
    expect(api.requests.all.every((r) => r.authorization === 'Bearer fake-token-consumer')).toBe(true);
  });

  it('makeInformer lists, follows watch events, and relists after a 410', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'default' }, spec: {} });
    const informer = makeInformer<V1Service>(kc, '/api/v1/namespaces/default/services', () =>
      core.listNamespacedService({ namespace: 'default' }),
    );
    const seen: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await until(() => seen.includes('add a') && api.openWatches() === 1, 'initial list and watch');
      api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'default' }, spec: {} });
      api.patch('v1', 'Service', 'default', 'a', { metadata: { labels: { x: 'y' } } });
      api.delete('v1', 'Service', 'default', 'b');
      await until(() => seen.includes('delete b'), 'watch events');
      expect(seen).toEqual(['add a', 'add b', 'update a', 'delete b']);
      expect(api.requests.count('list', 'services')).toBe(1);

      // Another resource moves the resourceVersion on, the history is compacted and the stream
      // drops: the resume from the informer's resourceVersion gets 410 and the informer relists.
      api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bump' } });
      api.faults.compactHistory();
      api.faults.closeWatches();
      await until(() => api.requests.count('list', 'services') === 2 && api.openWatches() === 1, 'relist after 410');
      api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c', namespace: 'default' }, spec: {} });
      await until(() => informer.list('default').length === 2, 'event after relist');
      expect(informer.list('default').map((o) => o.metadata?.name).sort()).toEqual(['a', 'c']);
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('Watch with allowWatchBookmarks receives BOOKMARK events at the current resourceVersion', async () => {
    const watch = new Watch(kc);
    const types: string[] = [];
    const rvs: string[] = [];
    const controller = await watch.watch(
      '/apis/multicluster.x-k8s.io/v1alpha1/serviceimports',
      { allowWatchBookmarks: true, resourceVersion: api.resourceVersion() },
      (type, obj: KubernetesObject) => {
        types.push(type);
        rvs.push(obj.metadata?.resourceVersion ?? '');
      },
      () => {},
    );
    try {
      await until(() => types.length >= 2, 'bookmarks');
      expect(types.slice(0, 2)).toEqual(['BOOKMARK', 'BOOKMARK']);
      expect(rvs[0]).toBe(api.resourceVersion());
      const watchReq = api.requests.all.find((r) => r.verb === 'watch');
      expect(watchReq?.path).toContain('allowWatchBookmarks=true');
    } finally {
      controller.abort();
    }
  });
});
