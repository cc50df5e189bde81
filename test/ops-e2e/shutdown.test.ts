// SIGTERM on a live clusterset-dns process with `health { lameduck 3s }`: /ready turns 503, DNS
// keeps answering through the lameduck, then the listeners stop taking new queries while queries
// already in flight (forwarded to an upstream that holds them until the test lets go) still get
// their answers, and the process exits 0. Each step waits for the one before it (a log line, a
// status), not for a time: the order is what is checked, so a loaded machine cannot reorder it.

import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { answeringA, type Behaviour, FakeUpstream } from '../support/fake-upstream.js';
import { freePorts, httpGet, LiveServer, opsCorefile, probe, SAMPLE_OBJECTS, tcpQuery, udpQuery } from './live-server.js';

const SERVICE1 = 'service1.provider-ns.svc.clusterset.local';

let server: LiveServer | null = null;
let upstream: FakeUpstream | null = null;
afterEach(async () => {
  await server?.stop();
  await upstream?.stop();
  server = null;
  upstream = null;
});

/** slow.example. is held until `release` is called (the queries in flight at shutdown); the rest answered at once. */
function heldUpstream(): { behaviour: Behaviour; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const behaviour: Behaviour = (q) =>
    q.name.replace(/\.$/, '') === 'slow.example' ? answeringA('192.0.2.7')(q).map((a) => ({ ...a, after: gate })) : answeringA('192.0.2.1')(q);
  return { behaviour, release: () => release() };
}

describe('graceful shutdown of the live process', () => {
  it('SIGTERM: not ready at once, answers through the lameduck, finishes in-flight queries, exits 0', async () => {
    const ports = await freePorts();
    const held = heldUpstream();
    upstream = await FakeUpstream.start(held.behaviour);
    const corefile = `${opsCorefile(ports, { lameduck: '3s' })}.:${ports.dns} {\n  forward . ${upstream.address}\n}\n`;
    const s = (server = LiveServer.launch({ Corefile: corefile, 'objects.yaml': await readFile(SAMPLE_OBJECTS, 'utf8') }));
    await s.listening();
    expect((await httpGet(ports.ready, '/ready')).status).toBe(200);
    expect((await udpQuery(ports.dns, 'fast.example', 'A'))?.answer).toEqual(['fast.example. 300 IN A 192.0.2.1']);

    s.signal('SIGTERM');
    await s.waitForLog((l) => l.msg === 'lameduck: still answering, not ready');
    expect(await probe(ports.ready, '/ready')).toMatchObject({ status: 503, body: 'Shutting down' });

    // Queries that will still be in flight when the lameduck ends, over both transports.
    const inflightUdp = udpQuery(ports.dns, 'slow.example', 'A', { timeoutMs: 20_000 });
    const inflightTcp = tcpQuery(ports.dns, 'slow.example', 'A', { timeoutMs: 20_000 });
    await upstream.waitForQueries((q) => q.name === 'slow.example.', 2);

    // Lameduck: still answering both the zone and forwarded names, still healthy.
    const lameduckAnswers: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) lameduckAnswers.push((i % 2 === 0 ? await udpQuery(ports.dns, SERVICE1, 'A') : await tcpQuery(ports.dns, SERVICE1, 'A'))?.answer[0]);
    expect(lameduckAnswers).toEqual(Array.from({ length: 4 }, () => `${SERVICE1}. 5 IN A 10.96.120.15`));
    expect((await udpQuery(ports.dns, 'fast.example', 'A'))?.answer).toEqual(['fast.example. 300 IN A 192.0.2.1']);
    expect((await httpGet(ports.health, '/health')).status).toBe(200);
    expect(s.exitCode).toBeNull();

    // After the lameduck, while the in-flight answers are still held: no new query is taken.
    await s.waitForLog((l) => l.msg === 'no longer taking queries; finishing those in flight');
    const late = await Promise.all([udpQuery(ports.dns, SERVICE1, 'A', { timeoutMs: 300 }), tcpQuery(ports.dns, SERVICE1, 'A', { timeoutMs: 300 })]);
    expect(late).toEqual([null, null]);

    // The queries in flight get their answers once the upstream gives them: the sockets were
    // still open for them.
    held.release();
    expect((await inflightUdp)?.answer).toEqual(['slow.example. 300 IN A 192.0.2.7']);
    expect((await inflightTcp)?.answer).toEqual(['slow.example. 300 IN A 192.0.2.7']);

    expect(await s.exited(10_000)).toBe(0);
    expect(s.lines.map((l) => l.msg).at(-1)).toBe('stopped');
  });

  it('SIGINT without lameduck stops at once and exits 0; the ports are free again', async () => {
    const ports = await freePorts();
    const s = (server = LiveServer.launch({ Corefile: opsCorefile(ports), 'objects.yaml': await readFile(SAMPLE_OBJECTS, 'utf8') }));
    await s.listening();
    s.signal('SIGINT');
    expect(await s.exited(10_000)).toBe(0);
    for (const port of [ports.health, ports.ready, ports.metrics]) expect((await probe(port, '/')).status).toBe(0);
    expect(await udpQuery(ports.dns, SERVICE1, 'A', { timeoutMs: 200 })).toBeNull();
  });
});
