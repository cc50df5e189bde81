// SIGTERM on a live clusterset-dns process with `health { lameduck 1s }`: /ready turns 503 at
// once, DNS keeps answering through the lameduck, then the listeners stop taking new queries
// while queries already in flight (forwarded to a slow upstream) still get their answers, and the
// process exits 0.

import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { answeringA, slow, type Behaviour, FakeUpstream } from '../support/fake-upstream.js';
import { freePorts, httpGet, LiveServer, opsCorefile, probe, SAMPLE_OBJECTS, sleep, tcpQuery, udpQuery } from './live-server.js';

const SERVICE1 = 'service1.provider-ns.svc.clusterset.local';
const UPSTREAM_DELAY_MS = 1800;

let server: LiveServer | null = null;
let upstream: FakeUpstream | null = null;
afterEach(async () => {
  await server?.stop();
  await upstream?.stop();
  server = null;
  upstream = null;
});

// slow.example. is answered late (the queries that will be in flight at shutdown); the rest at once.
const behaviour: Behaviour = (q) => (q.name.replace(/\.$/, '') === 'slow.example' ? slow(UPSTREAM_DELAY_MS, answeringA('192.0.2.7'))(q) : answeringA('192.0.2.1')(q));

describe('graceful shutdown of the live process', () => {
  it('SIGTERM: not ready at once, answers through the lameduck, finishes in-flight queries, exits 0', async () => {
    const ports = await freePorts();
    upstream = await FakeUpstream.start(behaviour);
    const corefile = `${opsCorefile(ports, { lameduck: '1s' })}.:${ports.dns} {\n  forward . ${upstream.address}\n}\n`;
    const s = (server = LiveServer.launch({ Corefile: corefile, 'objects.yaml': await readFile(SAMPLE_OBJECTS, 'utf8') }));
    await s.listening();
    expect((await httpGet(ports.ready, '/ready')).status).toBe(200);
    expect((await udpQuery(ports.dns, 'fast.example', 'A'))?.answer).toEqual(['fast.example. 300 IN A 192.0.2.1']);

    const t0 = Date.now();
    s.signal('SIGTERM');
    let ready = await probe(ports.ready, '/ready');
    for (let i = 0; i < 100 && ready.status === 200; i++) {
      await sleep(10);
      ready = await probe(ports.ready, '/ready');
    }
    expect(ready).toMatchObject({ status: 503, body: 'Shutting down' });
    expect(Date.now() - t0).toBeLessThan(800);

    // Queries that will still be in flight when the lameduck ends, over both transports.
    const answeredAt: number[] = [];
    const stamp = <T>(p: Promise<T>): Promise<T> => p.then((r) => (answeredAt.push(Date.now()), r));
    const inflightUdp = stamp(udpQuery(ports.dns, 'slow.example', 'A', { timeoutMs: 5000 }));
    const inflightTcp = stamp(tcpQuery(ports.dns, 'slow.example', 'A', { timeoutMs: 5000 }));

    // Lameduck: still answering both the zone and forwarded names, still healthy.
    const lameduckAnswers: (string | undefined)[] = [];
    for (let i = 0; i < 10 && Date.now() - t0 < 700; i++) {
      lameduckAnswers.push((i % 2 === 0 ? await udpQuery(ports.dns, SERVICE1, 'A') : await tcpQuery(ports.dns, SERVICE1, 'A'))?.answer[0]);
      await sleep(30);
    }
    expect(lameduckAnswers.length).toBeGreaterThan(3);
    expect(lameduckAnswers.every((a) => a === `${SERVICE1}. 5 IN A 10.96.120.15`)).toBe(true);
    expect((await udpQuery(ports.dns, 'fast.example', 'A'))?.answer).toEqual(['fast.example. 300 IN A 192.0.2.1']);
    expect((await httpGet(ports.health, '/health')).status).toBe(200);
    expect(s.exitCode).toBeNull();

    // After the lameduck (1 s) and before the slow answers (1.8 s): no new query is taken.
    await sleep(Math.max(0, 1300 - (Date.now() - t0)));
    const probedAt = Date.now();
    const late = await Promise.all([udpQuery(ports.dns, SERVICE1, 'A', { timeoutMs: 300 }), tcpQuery(ports.dns, SERVICE1, 'A', { timeoutMs: 300 })]);
    expect(late).toEqual([null, null]);

    // The queries in flight got their answers, after the late ones were turned away: the sockets
    // were still open for them.
    expect((await inflightUdp)?.answer).toEqual(['slow.example. 300 IN A 192.0.2.7']);
    expect((await inflightTcp)?.answer).toEqual(['slow.example. 300 IN A 192.0.2.7']);
    expect(Math.min(...answeredAt)).toBeGreaterThan(probedAt);

    expect(await s.exited(8000)).toBe(0);
    const msgs = s.lines.map((l) => l.msg);
    expect(msgs).toContain('lameduck: still answering, not ready');
    expect(msgs[msgs.length - 1]).toBe('stopped');
  });

  it('SIGINT without lameduck stops at once and exits 0; the ports are free again', async () => {
    const ports = await freePorts();
    const s = (server = LiveServer.launch({ Corefile: opsCorefile(ports), 'objects.yaml': await readFile(SAMPLE_OBJECTS, 'utf8') }));
    await s.listening();
    s.signal('SIGINT');
    expect(await s.exited(5000)).toBe(0);
    for (const port of [ports.health, ports.ready, ports.metrics]) expect((await probe(port, '/')).status).toBe(0);
    expect(await udpQuery(ports.dns, SERVICE1, 'A', { timeoutMs: 200 })).toBeNull();
  });
});
