// Requests to a member cluster: throttled client-side (QPS/burst, as client-go), and a 429 from the
// API server retried after its Retry-After.

import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { KubeRest } from '../../src/reconciler/kube-rest.js';
import { throttledConnection } from '../../src/reconciler/throttled-connection.js';
import type { ApiConnection } from '../../src/k8s/connection.js';
import { FakeClock } from './fake-clock.js';

const plain: ApiConnection = { server: new URL('http://127.0.0.1:1'), requestOptions: async () => ({ rejectUnauthorized: true, headers: {} }) };

describe('client-side request rate', () => {
  it('lets a burst through at once, then one request per 1/qps seconds', async () => {
    const clock = new FakeClock();
    const conn = throttledConnection(plain, { qps: 2, burst: 3 }, clock);
    const done: number[] = [];
    const all = Array.from({ length: 5 }, (_, i) => conn.requestOptions().then(() => done.push(i)));
    await clock.advance(0);
    expect(done).toEqual([0, 1, 2]);
    await clock.advance(499);
    expect(done).toEqual([0, 1, 2]);
    await clock.advance(1);
    expect(done).toEqual([0, 1, 2, 3]);
    await clock.advance(500);
    expect(done).toEqual([0, 1, 2, 3, 4]);
    await Promise.all(all);
  });
});

describe('429 Too Many Requests', () => {
  let api: FakeApiServer | null = null;
  afterEach(async () => {
    await api?.close();
    api = null;
  });

  it('is retried after Retry-After, and surfaces after five retries', async () => {
    api = await startFakeApiServer({ namespaces: ['default', 'ns1'] });
    const conn: ApiConnection = { server: new URL(api.url), requestOptions: async () => ({ rejectUnauthorized: false, headers: {} }) };
    const rest = new KubeRest(conn);
    api.faults.failNext(2, 429, '/services');
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns1' }, spec: { ports: [{ port: 80 }] } };
    await rest.create({ group: '', version: 'v1', plural: 'services' }, svc);
    expect(api.requests.all.filter((r) => r.method === 'POST').length).toBe(3);
    expect(api.find('v1', 'Service', 'ns1', 's')).toBeDefined();

    api.faults.failUntilCleared(429, '/services/x');
    await expect(rest.get({ group: '', version: 'v1', plural: 'services' }, 'ns1', 'x')).rejects.toMatchObject({ statusCode: 429 });
    expect(api.requests.all.filter((r) => r.path.includes('/services/x')).length).toBe(6);
  }, 20_000);
});
