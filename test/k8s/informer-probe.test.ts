// Back fast after an outage: while an informer waits out its backoff it probes the API (a list of
// at most one object), so a change made once the API is back arrives within seconds even when the
// backoff has grown to 15-30 s; and the probes are jittered, so that informers that lost the API
// together do not come back together (each delay drawn from the upper half of its step, the step
// doubling from 250 ms to 2 s).

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, waitUntil, type FakeApiServer, type KubeObject } from '../fake-apiserver/index.js';
import type { ApiConnection } from '../../src/k8s/connection.js';
import { Informer, type InformerClock } from '../../src/k8s/informer.js';
import { loadApiConnection } from '../../src/k8s/kubeconfig-lite.js';

const logger = pino({ level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const svc = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' } });

/** A seeded PRNG (mulberry32), so the spread shown is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock whose timers only fire when the test says: the delays asked for are the record. */
class RecordingClock implements InformerClock {
  readonly timers: { ms: number; fire: () => void }[] = [];
  now(): number {
    return 0;
  }
  setTimer(fn: () => void, ms: number): { cancel(): void } {
    this.timers.push({ ms, fire: fn });
    return { cancel: () => undefined };
  }
}

/** An API address where every connection is dropped at once: every request fails, fast. */
async function deadApi(): Promise<ApiConnection> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as net.AddressInfo;
  return { server: new URL(`http://127.0.0.1:${port}`), requestOptions: async () => ({ rejectUnauthorized: true, headers: {} }) };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`not reached: ${what}`);
}

describe('informer: back fast after an outage', () => {
  it('a change made once the API is back arrives long before a 15-30 s backoff would let it', async () => {
    const api: FakeApiServer = await startFakeApiServer({ bookmarkIntervalMs: 100 });
    cleanups.push(() => api.close());
    const dir = mkdtempSync(join(tmpdir(), 'probe-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const inf = new Informer<KubernetesObject>({
      connection: loadApiConnection({ path: api.writeKubeconfig(dir) }),
      path: { group: '', version: 'v1', plural: 'services', namespace: 'default' },
      logger,
      // Every failure waits 15-30 s: only the probe can end the wait within the test's time.
      backoff: { initialMs: 30_000, maxMs: 30_000 },
      resyncMs: 0,
    });
    cleanups.push(() => inf.stop());
    await inf.start();
    await inf.whenSynced();
    await waitUntil(() => api.openWatches() === 1, 'watch open');

    await api.stop(); // the watch ends: the informer waits out its backoff, probing
    await new Promise((r) => setTimeout(r, 1500)); // an outage several probes long
    await api.restart();
    api.create(svc('after-the-outage'));
    await waitUntil(() => inf.get('default', 'after-the-outage') !== undefined, 'the change after the outage', 12_000);
  });

  it('probes are jittered: each delay from the upper half of a step doubling 250 ms -> 2 s, spread across informers', async () => {
    const connection = await deadApi();
    const clocks = Array.from({ length: 100 }, () => new RecordingClock());
    for (const [i, clock] of clocks.entries()) {
      const inf = new Informer<KubernetesObject>({ connection, path: { group: '', version: 'v1', plural: 'services' }, logger, clock, random: seeded(i + 1), resyncMs: 0 });
      cleanups.push(() => inf.stop());
      await inf.start();
    }
    // The list fails; each informer waits out its backoff (timer 0) and arms its first probe (timer 1).
    await until('first probes armed', () => clocks.every((c) => c.timers.length >= 2));
    for (let k = 1; k <= 5; k++) {
      for (const c of clocks) c.timers[k]!.fire(); // the probe fails too, and arms the next one
      await until(`probes ${k + 1} armed`, () => clocks.every((c) => c.timers.length >= k + 2));
    }
    const perInformer = clocks.map((c) => c.timers.slice(1, 6).map((t) => t.ms));
    const steps = [250, 500, 1000, 2000, 2000];
    for (const delays of perInformer) {
      delays.forEach((d, k) => {
        expect(d).toBeGreaterThanOrEqual(steps[k]! / 2);
        expect(d).toBeLessThanOrEqual(steps[k]!);
      });
    }
    // At the cap, 100 informers' probes spread over the whole [1 s, 2 s] window: every tenth of it
    // gets some, none gets a crowd (10 each on average).
    const buckets = Array.from({ length: 10 }, () => 0);
    for (const delays of perInformer) buckets[Math.min(9, Math.floor((delays[4]! - 1000) / 100))]!++;
    expect(Math.min(...buckets)).toBeGreaterThan(0);
    expect(Math.max(...buckets)).toBeLessThanOrEqual(25);
    expect(new Set(perInformer.map((d) => d[0])).size).toBeGreaterThan(50); // first probes: not in step either
  });
});
