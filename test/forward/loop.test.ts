// The loop plugin: its counting rule on its own, then a real forwarding loop (a server whose
// forward points back at itself) detected over loopback sockets without melting down, and a
// healthy setup where the probe is answered and detection switches off.

import { createSocket } from 'node:dgram';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { composeChain } from '../../src/dns/chain.js';
import { rcodeReply } from '../../src/dns/reply.js';
import { DnsServer } from '../../src/dns/server.js';
import { LoopPlugin, type LoopTimings } from '../../src/plugins/loop/loop-plugin.js';
import { loopFactory } from '../../src/plugins/loop/setup.js';
import type { Plugin } from '../../src/plugins/plugin.js';
import { decode, encodeQuery } from '../support/dns-format.js';
import { FakeUpstream, answering } from '../support/fake-upstream.js';
import { forwardFrom, waitFor } from './forward-helpers.js';
import { build, directiveOf, freeUdpPort, makeRequest, setupContext, testRuntime } from './plugin-harness.js';

const FAST: LoopTimings = { attemptMs: 300, retryMs: 30, windowMs: 5000, settleMs: 200 };

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


async function askUdp(port: number, name: string, type: string): Promise<ReturnType<typeof decode>> {
  const s = createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 3000);
      s.on('message', (m) => {
        clearTimeout(timer);
        resolve(decode(m));
      });
      s.send(encodeQuery(name, type, { id: 99 }), port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

/**
 * Builds the plugins for a port that was free a moment ago and serves them there; another process
 * may take the port in between (tests run in parallel), so a failed start tries a new port.
 */
async function serveOnFreePort<T extends { plugins: Plugin[] }>(make: (port: number) => T): Promise<T & { port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort();
    const built = make(port);
    const server = serverWith(port, built.plugins);
    try {
      await server.start();
      return { ...built, port };
    } catch (err) {
      await server.stop(0);
      if (attempt >= 5) throw err;
    }
  }
}

function serverWith(port: number, plugins: Plugin[]): DnsServer {
  const logger = pino({ level: 'silent' });
  const block = {
    server: `dns://:${port}`,
    zones: ['.'],
    port,
    bind: ['127.0.0.1'],
    writer: { bufsize: 1232 },
    plugins,
    chain: composeChain(plugins),
  };
  const server = new DnsServer([block], { dropped() {}, panicked() {} }, logger);
  cleanups.push(() => server.stop(0));
  return server;
}

describe('loop', () => {
  it('passes everything on, and fails the block once its probe name is seen a third time', () => {
    const { logger, lines } = capturingLogger();
    const loop = new LoopPlugin({ logger, zone: 'example.org.', zones: ['example.org.'], target: () => ({ address: '127.0.0.1', port: 1053 }) });
    expect(loop.qname).toMatch(/^\d+\.\d+\.example\.org\.$/);
    const next = () => rcodeReply(0, 'next');
    const probe = makeRequest(loop.qname.toUpperCase(), 'HINFO', { remotePort: 41000 });
    expect(loop.serve(makeRequest('www.example.org', 'A'), next)).toMatchObject({ plugin: 'next' });
    expect(loop.serve(probe, next)).toMatchObject({ plugin: 'next' });
    expect(loop.serve(probe, next)).toMatchObject({ plugin: 'next' });
    expect(loop.looped).toBe(false);
    expect(loop.serve(probe, next)).toMatchObject({ rcode: 2, plugin: 'loop' });
    expect(loop.looped).toBe(true);
    expect(loop.serve(makeRequest('www.example.org', 'A'), next)).toMatchObject({ rcode: 2, plugin: 'loop' });
    const fatal = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 60);
    expect(fatal?.msg).toContain('Loop (127.0.0.1:41000 -> 127.0.0.1:1053) detected for zone "example.org."');
    expect(fatal?.msg).toContain(`Query: "HINFO ${loop.qname}"`);
  });

  it('takes no arguments', () => {
    const ctx = setupContext(testRuntime());
    expect(() => loopFactory.setup(directiveOf('. {\n loop now\n}'), ctx)).toThrow(/argument/);
    expect(build<LoopPlugin>(loopFactory, 'loop', ctx).name).toBe('loop');
  });

  it('detects a real forwarding loop and stops it instead of melting down', async () => {
    const { logger, lines } = capturingLogger();
    const runtime = { ...testRuntime(), logger };
    const { loop, port } = await serveOnFreePort((port) => {
      const loop = new LoopPlugin({ logger, zone: '.', zones: ['.'], target: () => ({ address: '127.0.0.1', port }), timings: FAST });
      // forward points back at this very server: every forwarded query comes straight back.
      const forward = forwardFrom(`forward . 127.0.0.1:${port} {\n max_fails 0\n}`, runtime);
      return { loop, plugins: [loop, forward] };
    });
    await waitFor(() => loop.looped);
    const fatal = lines.map((l) => (JSON.parse(l) as { msg: string }).msg).find((m) => m.includes('detected for zone'));
    expect(fatal).toContain('Loop (127.0.0.1:');
    expect(fatal).toContain(`-> 127.0.0.1:${port}) detected for zone "."`);
    // The block now answers SERVFAIL directly instead of forwarding in circles.
    const out = await askUdp(port, 'www.example.org', 'A');
    expect(out.rcode).toBe('SERVFAIL');
  });

  it('stays quiet and switches itself off when the probe is simply answered', async () => {
    const up = await FakeUpstream.start(answering(() => ({ rcode: 3 })));
    cleanups.push(() => up.stop());
    const runtime = testRuntime();
    const { loop, port } = await serveOnFreePort((port) => {
      const loop = new LoopPlugin({ logger: runtime.logger, zone: '.', zones: ['.'], target: () => ({ address: '127.0.0.1', port }), timings: FAST });
      return { loop, plugins: [loop, forwardFrom(`forward . ${up.address}`, runtime)] };
    });
    await waitFor(() => up.queries.some((q) => q.name === loop.qname && q.type === 13));
    expect(loop.looped).toBe(false);
    const out = await askUdp(port, 'www.example.org', 'A');
    expect(out.rcode).toBe('NXDOMAIN');
  });
});
