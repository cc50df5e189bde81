// /health, /ready and /metrics served by the real plugins on live HTTP servers on 127.0.0.1:
// readiness flips with its reporters, lists the ones not ready, turns 503 in lameduck while
// /health stays 200; blocks sharing an address share one server, kept open across a reload.

import { afterEach, describe, expect, it } from 'vitest';
import { healthFactory } from '../../src/plugins/health/setup.js';
import { readyFactory } from '../../src/plugins/ready/setup.js';
import { prometheusFactory } from '../../src/plugins/prometheus/setup.js';
import { announceChain } from '../../src/ops/chain-observer.js';
import type { Plugin } from '../../src/plugins/plugin.js';
import { httpGet, setup, setupContext, testRuntime } from './ops-harness.js';

const started: Plugin[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.stop?.();
});

async function start(...plugins: Plugin[]): Promise<void> {
  for (const p of plugins) {
    started.push(p);
    await p.start?.();
  }
}

function portOf(p: Plugin): number {
  const port = (p as { port?: number }).port;
  if (port === undefined) throw new Error(`${p.name} not started`);
  return port;
}

/** A stand-in for a plugin that reports readiness (multicluster's caches synced). */
function reporter(name: string): Plugin & { isReady: boolean } {
  return {
    name,
    isReady: false,
    serve: (req, next) => next(req),
    ready() {
      return this.isReady;
    },
  };
}

describe('health', () => {
  it('answers 200 OK on /health and 404 elsewhere', async () => {
    const { runtime } = testRuntime();
    const health = setup(healthFactory, 'health 127.0.0.1:0', setupContext(runtime));
    await start(health);
    expect(await httpGet(portOf(health), '/health')).toMatchObject({ status: 200, body: 'OK' });
    expect((await httpGet(portOf(health), '/nope')).status).toBe(404);
  });

  it('registers its lameduck duration; the longest one wins and leaves with its plugin', async () => {
    const { runtime, ops } = testRuntime();
    const h1 = setup(healthFactory, 'health 127.0.0.1:0 {\n lameduck 2s\n}', setupContext(runtime));
    const h2 = setup(healthFactory, 'health 127.0.0.1:0 {\n lameduck 500ms\n}', setupContext(runtime));
    expect(ops.lifecycle.lameduckMs()).toBe(0);
    await start(h1, h2);
    expect(ops.lifecycle.lameduckMs()).toBe(2000);
    await h1.stop?.();
    expect(ops.lifecycle.lameduckMs()).toBe(500);
  });
});

describe('ready', () => {
  it('is 503 with the sorted names of plugins not ready, then 200 OK once all are', async () => {
    const { runtime } = testRuntime();
    const ready = setup(readyFactory, 'ready 127.0.0.1:0', setupContext(runtime));
    const mcA = reporter('multicluster');
    const other = reporter('cache');
    announceChain([ready, other, mcA]);
    await start(ready);
    const port = portOf(ready);
    expect(await httpGet(port, '/ready')).toMatchObject({ status: 503, body: 'cache,multicluster' });
    other.isReady = true;
    expect(await httpGet(port, '/ready')).toMatchObject({ status: 503, body: 'multicluster' });
    mcA.isReady = true;
    expect(await httpGet(port, '/ready')).toMatchObject({ status: 200, body: 'OK' });
  });

  it('in until-ready mode stays ready once ready; continuously follows the reporter', async () => {
    for (const [mode, after] of [['until-ready', 200], ['continuously', 503]] as const) {
      const { runtime } = testRuntime();
      const ready = setup(readyFactory, `ready 127.0.0.1:0 {\n monitor ${mode}\n}`, setupContext(runtime));
      const mc = reporter('multicluster');
      announceChain([ready, mc]);
      await start(ready);
      mc.isReady = true;
      expect((await httpGet(portOf(ready), '/ready')).status).toBe(200);
      mc.isReady = false;
      expect((await httpGet(portOf(ready), '/ready')).status, mode).toBe(after);
    }
  });

  it('reports every block with ready: one block not ready makes the process not ready', async () => {
    const { runtime } = testRuntime();
    const r1 = setup(readyFactory, 'ready 127.0.0.1:0', setupContext(runtime));
    const r2 = setup(readyFactory, 'ready 127.0.0.1:0', setupContext(runtime, ['clusterset.local.']));
    const mc1 = reporter('multicluster');
    const mc2 = reporter('forward');
    announceChain([r1, mc1]);
    announceChain([r2, mc2]);
    await start(r1, r2);
    expect(portOf(r1)).toBe(portOf(r2));
    mc1.isReady = true;
    expect(await httpGet(portOf(r1), '/ready')).toMatchObject({ status: 503, body: 'forward' });
    mc2.isReady = true;
    expect((await httpGet(portOf(r1), '/ready')).status).toBe(200);
  });

  it('with no reporter is ready at once', async () => {
    const { runtime } = testRuntime();
    const ready = setup(readyFactory, 'ready 127.0.0.1:0', setupContext(runtime));
    announceChain([ready]);
    await start(ready);
    expect((await httpGet(portOf(ready), '/ready')).status).toBe(200);
  });
});

describe('lameduck', () => {
  it('turns /ready to 503 "Shutting down" while /health stays 200', async () => {
    const { runtime, ops } = testRuntime();
    const ctx = setupContext(runtime);
    const health = setup(healthFactory, 'health 127.0.0.1:0 {\n lameduck 1s\n}', ctx);
    const ready = setup(readyFactory, 'ready 127.0.0.1:0', ctx);
    announceChain([ready, health]);
    await start(health, ready);
    expect((await httpGet(portOf(ready), '/ready')).status).toBe(200);
    ops.lifecycle.enterLameduck();
    expect(await httpGet(portOf(ready), '/ready')).toMatchObject({ status: 503, body: 'Shutting down' });
    expect(await httpGet(portOf(health), '/health')).toMatchObject({ status: 200, body: 'OK' });
  });
});

describe('shared addresses', () => {
  it('serves health, ready and metrics from one server on one address', async () => {
    const { runtime } = testRuntime();
    const ctx = setupContext(runtime);
    const health = setup(healthFactory, 'health 127.0.0.1:0', ctx);
    const ready = setup(readyFactory, 'ready 127.0.0.1:0', ctx);
    const prom = setup(prometheusFactory, 'prometheus 127.0.0.1:0', ctx);
    announceChain([ready, health, prom]);
    await start(health, ready, prom);
    const port = portOf(health);
    expect([portOf(ready), portOf(prom)]).toEqual([port, port]);
    expect((await httpGet(port, '/health')).body).toBe('OK');
    expect((await httpGet(port, '/ready')).body).toBe('OK');
    const metrics = await httpGet(port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(metrics.body).toContain('coredns_build_info');
  });

  it('keeps the server open while any holder remains (reload overlap), closes it with the last', async () => {
    const { runtime } = testRuntime();
    const oldProm = setup(prometheusFactory, 'prometheus 127.0.0.1:0', setupContext(runtime));
    const newProm = setup(prometheusFactory, 'prometheus 127.0.0.1:0', setupContext(runtime));
    await start(oldProm);
    const port = portOf(oldProm);
    await start(newProm); // the new config starts before the old one stops
    expect(portOf(newProm)).toBe(port);
    await oldProm.stop?.();
    expect((await httpGet(port, '/metrics')).status).toBe(200);
    await newProm.stop?.();
    await oldProm.stop?.(); // idempotent
    await expect(httpGet(port, '/metrics')).rejects.toThrow();
  });

  it('fails start() when the address is taken by something else', async () => {
    const { runtime } = testRuntime();
    const first = setup(healthFactory, 'health 127.0.0.1:0', setupContext(runtime));
    await start(first);
    const other = testRuntime(); // another process-wide set of endpoints
    const clash = setup(healthFactory, `health 127.0.0.1:${portOf(first)}`, setupContext(other.runtime));
    await expect(clash.start?.()).rejects.toThrow(/EADDRINUSE/);
    await clash.stop?.();
  });
});
