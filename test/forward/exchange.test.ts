// The upstream exchange through the real forward plugin and real loopback sockets: IDs and source
// ports, spoofed and malformed replies, TC -> TCP, timeouts, SERVFAIL, pooled connections.

import { afterEach, describe, expect, it } from 'vitest';
import type { ForwardPlugin } from '../../src/plugins/forward/forward-plugin.js';
import {
  A,
  FakeUpstream,
  answering,
  answeringA,
  closing,
  forgedFirst,
  garbage,
  servfail,
  silent,
  slow,
  truncating,
  type Behaviour,
} from '../support/fake-upstream.js';
import { forwardFrom, sleep, trackForwarding } from './forward-helpers.js';
import { REFUSE_NEXT, clientSees, freeUdpPort, makeRequest, metricValue, testRuntime } from './plugin-harness.js';

const { upstream, plugin } = trackForwarding();

const nonQueries = (u: FakeUpstream) => u.queries.filter((q) => !(q.name === '.' && q.type === 2));

describe('forward exchange', () => {
  it('forwards the query and restores the client ID and question case', async () => {
    const u = await upstream(answeringA('192.0.2.7'));
    const p = plugin(`forward . ${u.address}`);
    const req = makeRequest('WwW.Example.ORG', 'A', { id: 0x1234 });
    const out = clientSees(req, await p.serve(req, REFUSE_NEXT));
    expect(out.id).toBe(0x1234);
    expect(out.rcode).toBe('NOERROR');
    expect(out.question).toEqual(['WwW.Example.ORG. A']);
    expect(out.answer).toEqual(['WwW.Example.ORG. 300 IN A 192.0.2.7']);
    expect(u.queries).toHaveLength(1);
    expect(u.queries[0]!.name).toBe('WwW.Example.ORG.');
  });

  it('uses a fresh random ID per query and rotates source ports', async () => {
    const u = await upstream(answeringA('192.0.2.7'));
    const p = plugin(`forward . ${u.address}`);
    for (let i = 0; i < 320; i++) await p.serve(makeRequest(`n${i}.example.org`, 'A', { id: 7 }), REFUSE_NEXT);
    expect(u.queries).toHaveLength(320);
    const ids = u.queries.slice(0, 24).map((q) => q.id);
    // 24 draws from 65536 values: a repeat is possible but more than two is not plausible.
    expect(new Set(ids).size).toBeGreaterThanOrEqual(22);
    expect(ids).not.toContain(7);
    // Sockets are replaced after 32 queries each: no port carries more, and many ports are used.
    const perPort = new Map<number, number>();
    for (const q of u.queries) perPort.set(q.sourcePort, (perPort.get(q.sourcePort) ?? 0) + 1);
    expect(Math.max(...perPort.values())).toBeLessThanOrEqual(32);
    expect(perPort.size).toBeGreaterThanOrEqual(10);
  });

  it.each(['udp', 'tcp'] as const)('ignores forged, mismatched and malformed replies and takes the real one (%s)', async (proto) => {
    const u = await upstream(forgedFirst(answeringA('192.0.2.9')));
    const p = plugin(`forward . ${u.address}`);
    const req = makeRequest('victim.example.org', 'A', { proto });
    const out = clientSees(req, await p.serve(req, REFUSE_NEXT));
    expect(out.rcode).toBe('NOERROR');
    expect(out.answer).toEqual(['victim.example.org. 300 IN A 192.0.2.9']);
  });

  it('answers SERVFAIL when only garbage comes back', async () => {
    const u = await upstream(garbage);
    const p = plugin(`forward . ${u.address}`);
    const req = makeRequest('x.example.org', 'A');
    const reply = await p.serve(req, REFUSE_NEXT);
    expect(reply.rcode).toBe(2);
    expect(reply.wire).toBeNull();
  });

  it('retries over TCP when the UDP reply is truncated', async () => {
    const big = Array.from({ length: 30 }, (_, i) => A('big.example.org', `10.0.0.${i + 1}`));
    const u = await upstream(truncating(answering(() => ({ answers: big }))));
    const p = plugin(`forward . ${u.address}`);
    const req = makeRequest('big.example.org', 'A', { edns: { udpSize: 4096 } });
    const reply = await p.serve(req, REFUSE_NEXT);
    expect(u.queries.map((q) => q.proto)).toEqual(['udp', 'tcp']);
    expect(reply.layout().counts[0]).toBe(30);
    // The writer still fits it to the client's limit: 30 uncompressed A records fit in 1232 -> no TC.
    expect(clientSees(req, reply).flags.tc).toBe(false);
  });

  it('answers SERVFAIL when the upstream is silent, within the deadline', async () => {
    const u = await upstream(silent);
    const p = plugin(`forward . ${u.address} {\n max_fails 0\n}`);
    const reply = await p.serve(makeRequest('quiet.example.org', 'A'), REFUSE_NEXT);
    expect(reply.rcode).toBe(2);
    // Bounded retries: at most three passes over the one upstream.
    expect(u.queries.length).toBeGreaterThanOrEqual(1);
    expect(u.queries.length).toBeLessThanOrEqual(3);
  });

  it('answers SERVFAIL when nothing listens on the upstream port (ICMP errors do not crash anything)', async () => {
    const port = await freeUdpPort();
    const p = plugin(`forward . 127.0.0.1:${port} {\n max_fails 0\n}`);
    for (let i = 0; i < 3; i++) {
      const reply = await p.serve(makeRequest(`closed${i}.example.org`, 'A'), REFUSE_NEXT);
      expect(reply.rcode).toBe(2);
    }
  });

  it('accepts a slow reply that arrives within the attempt timeout', async () => {
    const u = await upstream(slow(60, answeringA('192.0.2.1')));
    const p = plugin(`forward . ${u.address}`);
    const reply = await p.serve(makeRequest('slow.example.org', 'A'), REFUSE_NEXT);
    expect(reply.rcode).toBe(0);
  });

  it('tries the next upstream when one fails', async () => {
    const dead = await upstream(silent);
    const good = await upstream(answeringA('192.0.2.2'));
    const p = plugin(`forward . ${dead.address} ${good.address} {\n policy sequential\n max_fails 0\n}`);
    const out = clientSees(makeRequest('a.example.org', 'A'), await p.serve(makeRequest('a.example.org', 'A'), REFUSE_NEXT));
    expect(out.answer).toEqual(['a.example.org. 300 IN A 192.0.2.2']);
    expect(dead.queries).toHaveLength(1);
  });

  it('passes an upstream SERVFAIL through as a message', async () => {
    const u = await upstream(servfail);
    const p = plugin(`forward . ${u.address}`);
    const reply = await p.serve(makeRequest('sf.example.org', 'A'), REFUSE_NEXT);
    expect(reply.rcode).toBe(2);
    expect(reply.wire).not.toBeNull();
  });

  it('keeps the extended rcode from the upstream OPT and only the AA, AD, RA flags', async () => {
    const u = await upstream(answering(() => ({ rcode: 0, opt: { extRcode: 1 }, flags: 0x0400 | 0x0020 | 0x0080 | 0x0010 })));
    const p = plugin(`forward . ${u.address}`);
    const req = makeRequest('ext.example.org', 'A', { edns: { do: true } });
    const reply = await p.serve(req, REFUSE_NEXT);
    expect(reply.rcode).toBe(16);
    expect(reply.flags).toBe(0x0400 | 0x0020 | 0x0080);
    expect(reply.layout().optStart).toBeDefined();
  });

  it("forwards the client's EDNS record as sent", async () => {
    const u = await upstream(answeringA('192.0.2.3'));
    const p = plugin(`forward . ${u.address}`);
    await p.serve(makeRequest('do.example.org', 'A', { edns: { do: true, udpSize: 1400 } }), REFUSE_NEXT);
    const raw = u.queries[0]!.raw;
    // OPT is the last 11 bytes: class = payload size, TTL byte 2 holds DO.
    const opt = raw.subarray(raw.length - 11);
    expect(opt.readUInt16BE(1)).toBe(41);
    expect(opt.readUInt16BE(3)).toBe(1400);
    expect(opt[7]! & 0x80).toBe(0x80);
  });

  it.each([
    { options: '', client: 'udp', upstream: 'udp' },
    { options: '', client: 'tcp', upstream: 'tcp' },
    { options: 'force_tcp', client: 'udp', upstream: 'tcp' },
    { options: 'prefer_udp', client: 'tcp', upstream: 'udp' },
    { options: 'force_tcp\n prefer_udp', client: 'tcp', upstream: 'tcp' },
  ] as const)('transport: $options client=$client -> upstream=$upstream', async ({ options, client, upstream: want }) => {
    const u = await upstream(answeringA('192.0.2.4'));
    const p = plugin(`forward . ${u.address} {\n ${options}\n}`);
    await p.serve(makeRequest('t.example.org', 'A', { proto: client }), REFUSE_NEXT);
    expect(u.queries.map((q) => q.proto)).toEqual([want]);
  });

  it('reuses pooled TCP connections and counts cache hits and misses', async () => {
    const runtime = testRuntime();
    const u = await upstream(answeringA('192.0.2.5'));
    const p = plugin(`forward . ${u.address} {\n force_tcp\n}`, runtime);
    for (let i = 0; i < 3; i++) await p.serve(makeRequest(`p${i}.example.org`, 'A'), REFUSE_NEXT);
    expect(u.connections).toBe(1);
    expect(await metricValue(runtime, 'coredns_proxy_conn_cache_misses_total', { to: u.address, proto: 'tcp' })).toBe(1);
    expect(await metricValue(runtime, 'coredns_proxy_conn_cache_hits_total', { to: u.address, proto: 'tcp' })).toBe(2);
  });

  it('closes pooled connections after expire', async () => {
    const u = await upstream(answeringA('192.0.2.5'));
    const p = plugin(`forward . ${u.address} {\n force_tcp\n expire 50ms\n}`);
    await p.serve(makeRequest('e1.example.org', 'A'), REFUSE_NEXT);
    await sleep(200);
    await p.serve(makeRequest('e2.example.org', 'A'), REFUSE_NEXT);
    expect(u.connections).toBe(2);
  });

  it('expire 0 disables connection reuse', async () => {
    const u = await upstream(answeringA('192.0.2.5'));
    const p = plugin(`forward . ${u.address} {\n force_tcp\n expire 0\n}`);
    for (let i = 0; i < 3; i++) await p.serve(makeRequest(`z${i}.example.org`, 'A'), REFUSE_NEXT);
    expect(u.connections).toBe(3);
  });

  it('redials when a pooled connection turns out to be closed by the upstream', async () => {
    // Second query on any connection: the upstream hangs up instead of answering.
    const inner = answeringA('192.0.2.6');
    const u = await upstream((q) => (q.connSeq >= 1 ? closing(q) : inner(q)));
    const p = plugin(`forward . ${u.address} {\n force_tcp\n max_fails 0\n}`);
    await p.serve(makeRequest('c1.example.org', 'A'), REFUSE_NEXT);
    const reply = await p.serve(makeRequest('c2.example.org', 'A'), REFUSE_NEXT);
    expect(reply.rcode).toBe(0);
    expect(u.connections).toBe(2);
  });

  it('answers SERVFAIL when the upstream closes every TCP connection', async () => {
    const u = await upstream(closing);
    const p = plugin(`forward . ${u.address} {\n force_tcp\n max_fails 0\n}`);
    const reply = await p.serve(makeRequest('closed.example.org', 'A'), REFUSE_NEXT);
    expect(reply.rcode).toBe(2);
    expect(reply.wire).toBeNull();
  });

  it('answers REFUSED above max_concurrent and counts it', async () => {
    const runtime = testRuntime();
    const u = await upstream(slow(100, answeringA('192.0.2.8')));
    const p = plugin(`forward . ${u.address} {\n max_concurrent 2\n}`, runtime);
    const replies = await Promise.all([0, 1, 2].map((i) => p.serve(makeRequest(`mc${i}.example.org`, 'A'), REFUSE_NEXT)));
    expect(replies.map((r) => r.rcode).sort()).toEqual([0, 0, 5]);
    expect(await metricValue(runtime, 'coredns_forward_max_concurrent_rejects_total')).toBe(1);
    // Capacity comes back once the first ones finish.
    expect((await p.serve(makeRequest('mc3.example.org', 'A'), REFUSE_NEXT)).rcode).toBe(0);
  });

  it('exports request and response metrics per upstream', async () => {
    const runtime = testRuntime();
    const u = await upstream(answeringA('192.0.2.8'));
    const p = plugin(`forward . ${u.address}`, runtime);
    await p.serve(makeRequest('m.example.org', 'A'), REFUSE_NEXT);
    expect(await metricValue(runtime, 'coredns_forward_requests_total', { to: u.address })).toBe(1);
    expect(await metricValue(runtime, 'coredns_forward_responses_total', { to: u.address, rcode: 'NOERROR' })).toBe(1);
    expect(
      await metricValue(runtime, 'coredns_proxy_request_duration_seconds', { proxy_name: 'forward', to: u.address, rcode: 'NOERROR' }),
    ).toBe(1);
  });
});
