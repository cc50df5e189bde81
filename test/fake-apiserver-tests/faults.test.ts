// Fault injection, the request log, stop/restart with the same data, and the kubeconfig writer.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../fake-apiserver/index.js';
import { call, openWatch, sleep, type WatchReader } from './http-client.js';

const SVC = '/api/v1/namespaces/default/services';

function svc(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: {} };
}

describe('fake apiserver faults, log and lifecycle', () => {
  let api: FakeApiServer | undefined;
  const readers: WatchReader[] = [];
  afterEach(async () => {
    for (const r of readers.splice(0)) r.close();
    await api?.close();
  });
  function watch(path: string): WatchReader {
    const r = openWatch((api as FakeApiServer).url, path);
    readers.push(r);
    return r;
  }

  it('failNext answers the next N matching requests with the code, then recovers', async () => {
    const a = (api = await startFakeApiServer());
    a.faults.failNext(2, 503, '/services');
    const ns = await call(a.url, 'GET', '/api/v1/namespaces');
    expect(ns.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await call(a.url, 'GET', SVC);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' });
    }
    expect((await call(a.url, 'GET', SVC)).status).toBe(200);
    a.faults.failNext(1, 500, /watch=true/);
    expect((await call(a.url, 'GET', SVC)).status).toBe(200);
    expect((await fetch(`${a.url}${SVC}?watch=true`)).status).toBe(500);
  });

  it('limitRequestRate answers requests past the rate in a one-second window with 429 and Retry-After', async () => {
    const a = (api = await startFakeApiServer());
    a.faults.limitRequestRate(3);
    const codes: number[] = [];
    let retryAfter: string | null = null;
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${a.url}${SVC}`);
      codes.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(await res.json()).toMatchObject({ kind: 'Status', code: 429, reason: 'TooManyRequests' });
      } else await res.text();
    }
    // Five quick requests share a window (unless a second boundary fell between them).
    if (Date.now() - started < 900) expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(retryAfter).toBe('1');
    a.faults.limitRequestRate(0);
    expect((await call(a.url, 'GET', SVC)).status).toBe(200);
  });

  it('failUntilCleared fails everything (watches too) until clearFailures', async () => {
    const a = (api = await startFakeApiServer());
    a.faults.failUntilCleared();
    for (let i = 0; i < 3; i++) expect((await call(a.url, 'GET', '/api/v1/namespaces')).status).toBe(500);
    expect((await fetch(`${a.url}${SVC}?watch=true`)).status).toBe(500);
    a.faults.clearFailures();
    expect((await call(a.url, 'GET', '/api/v1/namespaces')).status).toBe(200);
  });

  it('setLatency delays answers', async () => {
    const a = (api = await startFakeApiServer());
    a.faults.setLatency(300);
    let done = false;
    const pending = call(a.url, 'GET', SVC).then((r) => {
      done = true;
      return r;
    });
    await sleep(50);
    expect(done).toBe(false);
    expect((await pending).status).toBe(200);
    a.faults.setLatency(0);
  });

  it('closeWatches ends every open stream', async () => {
    const a = (api = await startFakeApiServer());
    const w1 = watch(`${SVC}?watch=true`);
    const w2 = watch('/api/v1/namespaces?watch=true');
    await Promise.all([w1.status, w2.status]);
    expect(a.openWatches()).toBe(2);
    a.faults.closeWatches();
    await Promise.all([w1.ended, w2.ended]);
    expect(a.openWatches()).toBe(0);
  });

  it('silenceWatches mutes open and new streams (no events, no bookmarks) but keeps them open', async () => {
    const a = (api = await startFakeApiServer({ bookmarkIntervalMs: 20 }));
    const rv = a.resourceVersion();
    const open = watch(`${SVC}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`);
    await open.waitFor(1);
    a.faults.silenceWatches(true);
    const count = open.events.length;
    const later = watch(`${SVC}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`);
    expect(await later.status).toBe(200);
    a.create(svc('quiet'));
    await sleep(150);
    expect(open.events.length).toBe(count);
    expect(later.events).toEqual([]);
    expect(a.openWatches()).toBe(2);
    a.faults.silenceWatches(false);
    const fresh = watch(`${SVC}?watch=true&resourceVersion=${rv}`);
    expect((await fresh.waitFor(1))[0]?.type).toBe('ADDED');
  });

  it('stop refuses connections; restart listens on the same port with the same data and history', async () => {
    const a = (api = await startFakeApiServer());
    const created = a.create(svc('kept'));
    const port = a.port;
    const w = watch(`${SVC}?watch=true`);
    await w.waitFor(1);
    await a.stop();
    await w.ended;
    await expect(fetch(`${a.url}${SVC}`)).rejects.toThrow();
    await a.stop();
    await a.restart();
    expect(a.port).toBe(port);
    const got = await call(a.url, 'GET', `${SVC}/kept`);
    expect(got.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    // History survives too: resuming from before the object still replays it.
    const resumed = watch(`${SVC}?watch=true&resourceVersion=${Number(created.metadata.resourceVersion) - 1}`);
    expect((await resumed.waitFor(1))[0]?.type).toBe('ADDED');
    await a.restart();
    expect((await call(a.url, 'GET', `${SVC}/kept`)).status).toBe(200);
  });

  it('starts on a given port', async () => {
    const probe = await startFakeApiServer();
    const port = probe.port;
    await probe.close();
    const a = (api = await startFakeApiServer({ port }));
    expect(a.port).toBe(port);
    expect(a.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('the request log counts per verb and resource and lists writes (so a no-op pass shows zero writes)', async () => {
    const a = (api = await startFakeApiServer());
    await call(a.url, 'POST', SVC, svc('a'));
    await call(a.url, 'GET', SVC);
    await call(a.url, 'GET', `${SVC}/a`);
    await call(a.url, 'PATCH', `${SVC}/a/status`, { status: {} }, 'application/merge-patch+json');
    await call(a.url, 'DELETE', `${SVC}/a`);
    await call(a.url, 'GET', '/apis');
    a.create(svc('direct')); // direct store access is not an HTTP request
    expect(a.requests.counts()).toEqual({
      'create services': 1,
      'list services': 1,
      'get services': 1,
      'patch services/status': 1,
      'delete services': 1,
      'discovery ': 1,
    });
    expect(a.requests.writes.map((w) => `${w.method} ${w.path} ${w.status}`)).toEqual([
      `POST ${SVC} 201`,
      `PATCH ${SVC}/a/status 200`,
      `DELETE ${SVC}/a 200`,
    ]);
    expect(a.requests.count('get')).toBe(1);
    a.requests.reset();
    await call(a.url, 'GET', SVC);
    expect(a.requests.writes).toEqual([]);
    expect(a.requests.count('list', 'services')).toBe(1);
  });

  it('writeKubeconfig writes a kubeconfig naming the server and context', async () => {
    const a = (api = await startFakeApiServer());
    const dir = mkdtempSync(join(tmpdir(), 'fake-kc-'));
    try {
      const file = a.writeKubeconfig(dir, 'east');
      const doc = parse(readFileSync(file, 'utf8'));
      expect(doc['current-context']).toBe('east');
      expect(doc.clusters[0].cluster.server).toBe(a.url);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
