// The resilient informer against the fake API server: list+watch, 410 relist with the old store
// serving meanwhile, failures with backoff, closed and silent streams, bookmarks, resync,
// server restart, and stop.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, waitUntil, type FakeApiServer, type FakeApiServerOptions } from '../fake-apiserver/index.js';
import { loadApiConnection } from '../../src/k8s/kubeconfig-lite.js';
import { Informer, type InformerEvent, type InformerOptions, type InformerState } from '../../src/k8s/informer.js';

const logger = pino({ level: 'silent' });

function svc(name: string, labels: Record<string, string> = { app: 'web' }): { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: object } {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels }, spec: {} };
}

function summary(events: InformerEvent<KubernetesObject>[]): string[] {
  return events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`).sort();
}

describe('Informer', () => {
  let api: FakeApiServer | undefined;
  let informer: Informer<KubernetesObject> | undefined;
  const dirs: string[] = [];

  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
    await api?.close();
    api = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function setup(
    serverOpts: FakeApiServerOptions = {},
    informerOpts: Partial<InformerOptions> = {},
  ): Promise<{ a: FakeApiServer; inf: Informer<KubernetesObject>; batches: InformerEvent<KubernetesObject>[][]; states: InformerState[] }> {
    const a = (api = await startFakeApiServer({ bookmarkIntervalMs: 50, ...serverOpts }));
    const dir = mkdtempSync(join(tmpdir(), 'informer-test-'));
    dirs.push(dir);
    const connection = loadApiConnection({ path: a.writeKubeconfig(dir) });
    const inf = (informer = new Informer<KubernetesObject>({
      connection,
      path: { group: '', version: 'v1', plural: 'services', namespace: 'default' },
      labelSelector: 'app=web',
      logger,
      backoff: { initialMs: 20, maxMs: 100 },
      idleTimeoutMs: 5000,
      ...informerOpts,
    }));
    const batches: InformerEvent<KubernetesObject>[][] = [];
    const states: InformerState[] = [];
    inf.onBatch((events) => batches.push(events));
    inf.onState((s) => states.push(s));
    return { a, inf, batches, states };
  }

  const watching = (a: FakeApiServer): (() => boolean) => () => a.openWatches() === 1;

  async function startWatching(a: FakeApiServer, inf: Informer<KubernetesObject>): Promise<void> {
    await inf.start();
    await inf.whenSynced();
    await waitUntil(watching(a), 'watch open', 20_000);
  }

  /** Creates a Service the informer's open stream never delivers (that stream goes mute for good). */
  function missEvent(a: FakeApiServer, name: string): void {
    a.faults.silenceWatches(true);
    a.create(svc(name));
    a.faults.silenceWatches(false);
  }

  it('lists (one batch of adds), then follows watch events with old states, honouring the label selector', async () => {
    const { a, inf, batches, states } = await setup();
    a.create(svc('one'));
    a.create(svc('two'));
    a.create(svc('other', { app: 'db' }));
    expect(inf.synced()).toBe(false);
    expect(inf.lastSuccess()).toBeNull();
    await inf.start();
    await inf.whenSynced();
    expect(inf.synced()).toBe(true);
    expect(inf.lastSuccess()).not.toBeNull();
    expect(batches).toHaveLength(1);
    expect(summary(batches[0] ?? [])).toEqual(['add one', 'add two']);
    // List items get apiVersion/kind, as watch events have them.
    expect(inf.get('default', 'one')).toMatchObject({ apiVersion: 'v1', kind: 'Service' });
    await waitUntil(watching(a), 'watch open', 20_000);

    a.patch('v1', 'Service', 'default', 'one', { metadata: { annotations: { x: 'y' } } });
    a.delete('v1', 'Service', 'default', 'two');
    a.create(svc('three'));
    a.patch('v1', 'Service', 'default', 'three', { metadata: { labels: { app: 'db' } } });
    // Events that arrive in one read of the stream come as one batch (a loaded machine reads
    // several at once): what counts is the four events, in order.
    await waitUntil(() => batches.slice(1).flat().length === 4, 'four watch events', 20_000);
    const [update, del, add, leave] = batches.slice(1).flat();
    expect(update).toMatchObject({ type: 'update', object: { metadata: { annotations: { x: 'y' } } } });
    expect(update?.old?.metadata?.annotations).toBeUndefined();
    expect(del).toMatchObject({ type: 'delete', object: { metadata: { name: 'two' } } });
    expect(add).toMatchObject({ type: 'add', object: { metadata: { name: 'three' } } });
    expect(leave).toMatchObject({ type: 'delete', object: { metadata: { name: 'three' } } });
    expect(inf.list().map((o) => o.metadata?.name)).toEqual(['one']);
    expect(inf.get('default', 'two')).toBeUndefined();
    expect(states.map((s) => s.state)).toEqual(['synced', 'watching']);
    // The watch asked for bookmarks and a server-side timeout.
    const w = a.requests.all.find((r) => r.verb === 'watch');
    expect(w?.path).toMatch(/allowWatchBookmarks=true/);
    expect(w?.path).toMatch(/timeoutSeconds=\d+/);
    expect(w?.path).toMatch(/labelSelector=app%3Dweb/);
  });

  it('stores and hands on listed and watched objects as the transform left them', async () => {
    const seen: string[] = [];
    const transform = (obj: KubernetesObject): KubernetesObject => {
      seen.push(obj.metadata?.name ?? '');
      delete obj.metadata?.annotations?.['big'];
      return obj;
    };
    const { a, inf, batches } = await setup({}, { transform });
    const withBig = (name: string): ReturnType<typeof svc> => {
      const s = svc(name);
      s.metadata['annotations'] = { big: 'x'.repeat(1000), small: 'kept' };
      return s;
    };
    a.create(withBig('listed'));
    await startWatching(a, inf);
    a.create(withBig('watched'));
    await waitUntil(() => batches.length === 2, 'the watched add', 20_000);
    for (const name of ['listed', 'watched']) {
      expect(inf.get('default', name)?.metadata?.annotations).toEqual({ small: 'kept' });
    }
    expect(batches.flat().map((e) => e.object.metadata?.annotations)).toEqual([{ small: 'kept' }, { small: 'kept' }]);
    expect(seen).toEqual(['listed', 'watched']);
  });

  it('on 410 relists while the old store keeps serving, then emits the difference in one batch', async () => {
    const { a, inf, batches } = await setup();
    a.create(svc('keep'));
    a.create(svc('change'));
    a.create(svc('gone'));
    await startWatching(a, inf);
    // The informer's stream goes deaf while the world changes and the history is compacted.
    a.faults.silenceWatches(true);
    a.patch('v1', 'Service', 'default', 'change', { spec: { sessionAffinity: 'ClientIP' } });
    a.delete('v1', 'Service', 'default', 'gone');
    a.create(svc('new'));
    a.faults.compactHistory();
    a.faults.silenceWatches(false);
    a.faults.setLatency(300);
    const before = batches.length;
    a.faults.closeWatches();
    // The resume meets 410, then the relist is held up by the latency: the old store still serves.
    await waitUntil(() => a.requests.all.some((r) => r.verb === 'list' && r.status === 0), 'relist in flight', 20_000);
    expect(inf.list().map((o) => o.metadata?.name).sort()).toEqual(['change', 'gone', 'keep']);
    expect(inf.get('default', 'gone')).toBeDefined();
    a.faults.setLatency(0);
    await waitUntil(() => batches.length > before, 'relist batch', 20_000);
    expect(batches.length).toBe(before + 1);
    expect(summary(batches[before] ?? [])).toEqual(['add new', 'delete gone', 'update change']);
    expect(inf.list().map((o) => o.metadata?.name).sort()).toEqual(['change', 'keep', 'new']);
    expect(a.requests.count('list', 'services')).toBe(2);
    await waitUntil(watching(a), 'watching again', 20_000);
  });

  it('retries a failing list with backoff, reports error and stale once, then syncs', async () => {
    const { a, inf, states } = await setup();
    a.create(svc('one'));
    a.faults.failNext(3, 500, '/services');
    await inf.start();
    await inf.whenSynced();
    expect(a.requests.count('list', 'services')).toBe(4);
    expect(states.map((s) => s.state)).toEqual(['error', 'stale', 'error', 'error', 'synced']);
    const stale = states.find((s) => s.state === 'stale');
    expect(stale).toMatchObject({ since: expect.any(Number) });
    expect(inf.list()).toHaveLength(1);
  });

  it('recovers from failing watches without relisting and sees what happened meanwhile', async () => {
    const { a, inf, states, batches } = await setup();
    await startWatching(a, inf);
    a.faults.failUntilCleared(503, 'watch=true');
    a.faults.closeWatches();
    a.create(svc('during'));
    await waitUntil(() => a.requests.all.filter((r) => r.verb === 'watch' && r.status === 503).length >= 3, 'three failed watches', 20_000);
    expect(states.filter((s) => s.state === 'stale')).toHaveLength(1);
    a.faults.clearFailures();
    await waitUntil(() => inf.get('default', 'during') !== undefined, 'event from the outage', 20_000);
    expect(a.requests.count('list', 'services')).toBe(1);
    expect(states.at(-1)?.state).toBe('watching');
    expect(batches.flat().filter((e) => e.object.metadata?.name === 'during')).toHaveLength(1);
  });

  it('re-watches from the last resourceVersion when the server closes the stream, without replaying', async () => {
    const { a, inf, batches } = await setup();
    a.create(svc('one'));
    await startWatching(a, inf);
    a.create(svc('two'));
    await waitUntil(() => batches.length === 2, 'add two', 20_000);
    for (let i = 0; i < 3; i++) {
      a.faults.closeWatches();
      await waitUntil(() => a.requests.count('watch', 'services') === i + 2 && a.openWatches() === 1, `re-watch ${i + 1}`, 20_000);
    }
    a.create(svc('three'));
    await waitUntil(() => batches.length === 3, 'add three', 20_000);
    expect(batches.flat().map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual(['add one', 'add two', 'add three']);
    expect(a.requests.count('list', 'services')).toBe(1);
  });

  it('drops a silent stream after idleTimeoutMs and resumes from its resourceVersion', async () => {
    const { a, inf, states } = await setup({ bookmarkIntervalMs: 50 }, { idleTimeoutMs: 300 });
    await startWatching(a, inf);
    missEvent(a, 'missed');
    await waitUntil(() => inf.get('default', 'missed') !== undefined, 'object after idle re-watch', 20_000);
    const errors = states.filter((s): s is Extract<InformerState, { state: 'error' }> => s.state === 'error');
    expect(errors.map((e) => e.error.message)).toEqual(['watch silent for 300 ms; re-watching']);
    expect(a.requests.count('list', 'services')).toBe(1);
    expect(a.requests.count('watch', 'services')).toBe(2);
  });

  it('bookmarks advance the resourceVersion, so a resume after compaction neither relists nor replays', async () => {
    const { a, inf, batches } = await setup({ bookmarkIntervalMs: 30 });
    a.create(svc('one'));
    await inf.start();
    await inf.whenSynced();
    const listRv = inf.latestResourceVersion();
    // Writes to another resource move the global resourceVersion; only bookmarks tell the informer.
    for (const ns of ['n1', 'n2', 'n3']) a.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await waitUntil(() => inf.latestResourceVersion() === a.resourceVersion(), 'bookmark with the new resourceVersion', 20_000);
    expect(Number(inf.latestResourceVersion())).toBeGreaterThan(Number(listRv));
    a.faults.compactHistory();
    a.faults.closeWatches();
    await waitUntil(() => a.requests.count('watch', 'services') === 2 && a.openWatches() === 1, 're-watch', 20_000);
    const resumed = a.requests.all.filter((r) => r.verb === 'watch')[1];
    expect(resumed?.path).toContain(`resourceVersion=${a.resourceVersion()}`);
    expect(a.requests.count('list', 'services')).toBe(1);
    expect(batches).toHaveLength(1);
  });

  it('a periodic resync relists and heals an event the watch missed', async () => {
    const { a, inf, batches } = await setup({ bookmarkIntervalMs: 10_000 }, { resyncMs: 400, idleTimeoutMs: 60_000 });
    await startWatching(a, inf);
    missEvent(a, 'missed');
    await waitUntil(() => inf.get('default', 'missed') !== undefined, 'resync heals', 20_000);
    expect(a.requests.count('list', 'services')).toBeGreaterThanOrEqual(2);
    expect(summary(batches.at(-1) ?? [])).toEqual(['add missed']);
  });

  it('a relist transforms only the objects whose resourceVersion changed; the rest stay as stored', async () => {
    const transformed: string[] = [];
    const { a, inf, batches } = await setup(
      { bookmarkIntervalMs: 10_000 },
      {
        resyncMs: 400,
        idleTimeoutMs: 60_000,
        transform: (obj) => {
          transformed.push(obj.metadata?.name ?? '');
          return obj;
        },
      },
    );
    a.create(svc('kept'));
    a.create(svc('edited'));
    await startWatching(a, inf);
    const kept = inf.get('default', 'kept');
    expect(transformed.sort()).toEqual(['edited', 'kept']);
    transformed.length = 0;
    a.faults.silenceWatches(true);
    a.patch('v1', 'Service', 'default', 'edited', { metadata: { labels: { app: 'web', v: '2' } } });
    a.faults.silenceWatches(false);
    await waitUntil(() => inf.get('default', 'edited')?.metadata?.labels?.['v'] === '2', 'resync heals', 20_000);
    expect(transformed).toEqual(['edited']);
    expect(inf.get('default', 'kept')).toBe(kept);
    expect(summary(batches.at(-1) ?? [])).toEqual(['update edited']);
  });

  it('survives an API server stop and restart on the same port', async () => {
    const { a, inf, states } = await setup();
    await startWatching(a, inf);
    const lastBefore = inf.lastSuccess();
    await a.stop();
    a.create(svc('while-down'));
    await waitUntil(() => states.some((s) => s.state === 'stale'), 'stale reported', 20_000);
    const stale = states.find((s) => s.state === 'stale') as Extract<InformerState, { state: 'stale' }>;
    expect(stale.since).toBeGreaterThanOrEqual(lastBefore ?? 0);
    await a.restart();
    await waitUntil(() => inf.get('default', 'while-down') !== undefined, 'event after restart', 20_000);
    expect(states.at(-1)?.state).toBe('watching');
    expect(a.requests.count('list', 'services')).toBe(1);
  });

  it('stop ends the watch, is idempotent, and start after stop does nothing', async () => {
    const { a, inf } = await setup();
    await startWatching(a, inf);
    await inf.stop();
    await inf.stop();
    await waitUntil(() => a.openWatches() === 0, 'server sees the watch close', 20_000);
    await inf.start();
    expect(a.openWatches()).toBe(0);
  });

  it('whenSynced rejects when stopped before the first list succeeds', async () => {
    const { a, inf } = await setup();
    a.faults.failUntilCleared(500);
    await inf.start();
    const synced = inf.whenSynced();
    await inf.stop();
    await expect(synced).rejects.toThrow('stopped before it synced');
  });
});
