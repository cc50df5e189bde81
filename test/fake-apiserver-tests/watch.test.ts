// Watch semantics through real streaming HTTP: initial state, replay from a resourceVersion,
// 410 Expired beyond the history window, bookmarks, timeoutSeconds, selector transitions, versions.

import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions, type KubeObject } from '../fake-apiserver/index.js';
import { openWatch, sleep, type WatchReader } from './http-client.js';

const SVC = '/api/v1/namespaces/default/services';

function svc(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels }, spec: {} };
}

describe('fake apiserver watch', () => {
  let api: FakeApiServer | undefined;
  const readers: WatchReader[] = [];
  async function start(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    api = await startFakeApiServer(opts);
    return api;
  }
  function watch(path: string): WatchReader {
    const r = openWatch((api as FakeApiServer).url, path);
    readers.push(r);
    return r;
  }
  afterEach(async () => {
    for (const r of readers.splice(0)) r.close();
    await api?.close();
  });

  it('without resourceVersion (and with "0") sends the current state as ADDED, then live events', async () => {
    const a = await start();
    a.create(svc('one'));
    for (const rv of ['', '&resourceVersion=0']) {
      const w = watch(`${SVC}?watch=true${rv}`);
      expect(await w.status).toBe(200);
      const [first] = await w.waitFor(1);
      expect(first?.type).toBe('ADDED');
      expect((first?.object as KubeObject).metadata.name).toBe('one');
    }
    a.create(svc('two'));
    a.patch('v1', 'Service', 'default', 'two', { metadata: { labels: { x: 'y' } } });
    a.delete('v1', 'Service', 'default', 'two');
    for (const w of readers) {
      const events = await w.waitFor(4);
      expect(events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`)).toEqual(['ADDED one', 'ADDED two', 'MODIFIED two', 'DELETED two']);
      // The DELETED object carries the deletion's resourceVersion.
      expect((events[3]?.object as KubeObject).metadata.resourceVersion).toBe(a.resourceVersion());
    }
  });

  it('from resourceVersion N replays exactly the events after N, then follows live ones (watch=1 too)', async () => {
    const a = await start();
    const one = a.create(svc('one'));
    a.create(svc('two'));
    a.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other-kind' } });
    a.delete('v1', 'Service', 'default', 'one');
    const w = watch(`${SVC}?watch=1&resourceVersion=${one.metadata.resourceVersion}`);
    const replay = await w.waitFor(2);
    expect(replay.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`)).toEqual(['ADDED two', 'DELETED one']);
    a.create(svc('three'));
    const [, , live] = await w.waitFor(3);
    expect(live?.type).toBe('ADDED');
    expect((live?.object as KubeObject).metadata.resourceVersion).toBe(a.resourceVersion());
  });

  it('a resourceVersion older than the history window gets an ERROR 410 Expired event and the stream ends', async () => {
    const a = await start({ historyWindow: 3 });
    const first = a.create(svc('s0'));
    for (let i = 1; i <= 5; i++) a.create(svc(`s${i}`));
    const w = watch(`${SVC}?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
    expect(await w.status).toBe(200);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 },
    });
    // Inside the window resuming still works.
    const rv = Number(a.resourceVersion()) - 2;
    const ok = watch(`${SVC}?watch=true&resourceVersion=${rv}`);
    expect((await ok.waitFor(2)).map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
  });

  it('compactHistory makes any older resume 410 while resuming from now still works', async () => {
    const a = await start();
    const created = a.create(svc('s'));
    a.faults.compactHistory();
    const old = watch(`${SVC}?watch=true&resourceVersion=${Number(created.metadata.resourceVersion) - 1}`);
    await old.ended;
    expect(old.events[0]?.type).toBe('ERROR');
    const fresh = watch(`${SVC}?watch=true&resourceVersion=${a.resourceVersion()}`);
    a.create(svc('t'));
    expect((await fresh.waitFor(1))[0]?.type).toBe('ADDED');
  });

  it('allowWatchBookmarks=true brings periodic BOOKMARKs carrying only the resourceVersion; without it none', async () => {
    const a = await start({ bookmarkIntervalMs: 50 });
    a.create(svc('s'));
    const rv = a.resourceVersion();
    const withB = watch(`${SVC}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
    const without = watch(`${SVC}?watch=true&resourceVersion=${rv}`);
    const events = await withB.waitFor(2);
    for (const e of events) {
      expect(e).toEqual({ type: 'BOOKMARK', object: { kind: 'Service', apiVersion: 'v1', metadata: { resourceVersion: rv } } });
    }
    a.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bump' } });
    const after = await withB.waitFor(4);
    expect((after[3]?.object as KubeObject).metadata.resourceVersion).toBe(a.resourceVersion());
    expect(without.events).toEqual([]);
  });

  it('timeoutSeconds ends the stream', async () => {
    const a = await start();
    const w = watch(`${SVC}?watch=true&timeoutSeconds=1&resourceVersion=${a.resourceVersion()}`);
    await w.ended;
    expect(a.openWatches()).toBe(0);
  });

  it('label and field selectors filter; leaving the selection is DELETED, entering it is ADDED', async () => {
    const a = await start();
    a.create(svc('x', { app: 'web' }));
    const byLabel = watch(`${SVC}?watch=true&labelSelector=${encodeURIComponent('app=web')}`);
    const byName = watch(`/api/v1/services?watch=true&fieldSelector=${encodeURIComponent('metadata.name=x,metadata.namespace=default')}`);
    await byLabel.waitFor(1);
    await byName.waitFor(1);
    a.create(svc('other', { app: 'web' }));
    a.patch('v1', 'Service', 'default', 'x', { metadata: { labels: { app: 'db' } } });
    a.patch('v1', 'Service', 'default', 'x', { metadata: { labels: { app: 'web' } } });
    const labelEvents = await byLabel.waitFor(4);
    expect(labelEvents.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`)).toEqual(['ADDED x', 'ADDED other', 'DELETED x', 'ADDED x']);
    // The DELETED for leaving the selection carries the previous state at the new resourceVersion.
    const gone = labelEvents[2]?.object as KubeObject;
    expect(gone.metadata.labels).toEqual({ app: 'web' });
    expect(Number(gone.metadata.resourceVersion)).toBeGreaterThan(Number((labelEvents[1]?.object as KubeObject).metadata.resourceVersion));
    const nameEvents = await byName.waitFor(3);
    expect(nameEvents.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED']);
  });

  it('namespaced watch sees only its namespace; the cross-namespace watch sees all', async () => {
    const a = await start();
    a.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } });
    const rv = a.resourceVersion();
    const nsOnly = watch(`${SVC}?watch=true&resourceVersion=${rv}`);
    const all = watch(`/api/v1/services?watch=true&resourceVersion=${rv}`);
    await Promise.all([nsOnly.status, all.status]);
    a.create({ ...svc('in-b'), metadata: { name: 'in-b', namespace: 'b' } });
    a.create(svc('in-default'));
    await all.waitFor(2);
    await sleep(20);
    expect(nsOnly.events.map((e) => (e.object as KubeObject).metadata.name)).toEqual(['in-default']);
  });

  it('serves the multicluster group at each configured version, presenting objects at the watched version', async () => {
    const a = await start({ multiclusterVersions: ['v1alpha1', 'v1beta1'] });
    const alpha = watch('/apis/multicluster.x-k8s.io/v1alpha1/namespaces/default/serviceimports?watch=true');
    const beta = watch('/apis/multicluster.x-k8s.io/v1beta1/serviceimports?watch=true');
    await Promise.all([alpha.status, beta.status]);
    a.create({ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 's', namespace: 'default' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80 }] } });
    expect(((await alpha.waitFor(1))[0]?.object as KubeObject).apiVersion).toBe('multicluster.x-k8s.io/v1alpha1');
    expect(((await beta.waitFor(1))[0]?.object as KubeObject).apiVersion).toBe('multicluster.x-k8s.io/v1beta1');
    expect(a.get('multicluster.x-k8s.io/v1beta1', 'ServiceImport', 'default', 's').apiVersion).toBe('multicluster.x-k8s.io/v1beta1');
  });

  it('an invalid resourceVersion is 400 before streaming', async () => {
    const a = await start();
    const res = await fetch(`${a.url}${SVC}?watch=true&resourceVersion=abc`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { reason: string }).reason).toBe('BadRequest');
  });
});
