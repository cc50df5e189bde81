// The cache plugin as a table of behaviours, driven by a fake clock and a `next` handler that
// builds replies with the project's message builder (owners compressed to the question, as real
// servers do), and checked through the real response writer.

import type dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { QType, Rcode } from '../../src/dns/constants.js';
import { rcodeReply, wireReply, type Reply } from '../../src/dns/reply.js';
import type { Request } from '../../src/dns/request.js';
import { MessageBuilder } from '../../src/dns/wire/message-builder.js';
import type { RR } from '../../src/dns/wire/rr.js';
import type { CachePlugin } from '../../src/plugins/cache/cache-plugin.js';
import { cacheFactory } from '../../src/plugins/cache/setup.js';
import type { Clock } from '../../src/plugins/setup-context.js';
import type { Decoded } from '../support/dns-format.js';
import { waitFor } from './forward-helpers.js';
import { build, clientSees, makeRequest, metricValue, setupContext, testRuntime, type RequestOptions } from './plugin-harness.js';

class FakeClock implements Clock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return this.t;
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

interface Upstream {
  calls: Request[];
  /** What the next calls answer; defaults to an A record with TTL 300. */
  answer: (req: Request) => Reply;
  handler: (req: Request) => Reply;
}

const A = (name: string, address: string, ttl = 300): RR => ({ type: QType.A, name, ttl, address });
const SOA = (name: string, ttl: number, minimum: number): RR => ({
  type: QType.SOA, name, ttl, mname: `ns.${name}`, rname: `hostmaster.${name}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum,
});

function message(req: Request, rcode: number, answers: RR[], authority: RR[] = [], additional: RR[] = [], name = req.question.name): Reply {
  const b = new MessageBuilder().question(name, req.question.type, req.question.class);
  b.addAll(0, answers).addAll(1, authority).addAll(2, additional);
  const { wire, layout } = b.finish();
  return wireReply(rcode, 0x0080, wire, 'test', layout);
}

function upstream(): Upstream {
  const u: Upstream = {
    calls: [],
    answer: (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1')], [], [{ type: QType.TXT, name: 'extra.example.', ttl: 300, texts: ['x'] }]),
    handler: (req) => {
      u.calls.push(req);
      return u.answer(req);
    },
  };
  return u;
}

function setup(text = 'cache', zones: readonly string[] = ['.']) {
  const clock = new FakeClock();
  const runtime = testRuntime(clock);
  const plugin = build<CachePlugin>(cacheFactory, text, setupContext(runtime, zones));
  const up = upstream();
  const ask = async (name: string, type = 'A', opts: RequestOptions = {}) => {
    const req = makeRequest(name, type, opts);
    return clientSees(req, await plugin.serve(req, up.handler));
  };
  return { clock, runtime, plugin, up, ask };
}

const ttlOf = (r: dnsPacket.Answer): number | undefined => ('ttl' in r ? r.ttl : undefined);

/** TTLs of the answer, authority and additional records as the client decoded them (OPT left out). */
const ttls = (out: Decoded): (number | undefined)[] => [
  ...(out.packet.answers ?? []).map(ttlOf),
  ...(out.packet.authorities ?? []).map(ttlOf),
  ...(out.packet.additionals ?? []).filter((r) => r.type !== 'OPT').map(ttlOf),
];

describe('cache', () => {
  it('misses once, then answers from the cache with AA set', async () => {
    const { up, ask } = setup();
    const first = await ask('www.example.org');
    const second = await ask('www.example.org');
    expect(up.calls).toHaveLength(1);
    expect(second.answer).toEqual(first.answer);
    expect(first.flags.aa).toBe(false);
    expect(second.flags.aa).toBe(true);
  });

  it('counts the TTL down in every record (except OPT)', async () => {
    const { clock, ask } = setup();
    expect(ttls(await ask('www.example.org', 'A', { edns: {} }))).toEqual([300, 300]);
    clock.advance(100);
    const later = await ask('www.example.org', 'A', { edns: {} });
    expect(ttls(later)).toEqual([200, 200]);
    expect(later.opt).not.toBeNull();
    clock.advance(199.5);
    expect(ttls(await ask('www.example.org'))).toEqual([1, 1]);
  });

  it('expires entries and asks again', async () => {
    const { clock, up, ask } = setup();
    await ask('www.example.org');
    clock.advance(300);
    await ask('www.example.org');
    expect(up.calls).toHaveLength(2);
  });

  it.each([
    { text: 'cache 30', upstreamTtl: 300, stored: 30 },
    { text: 'cache', upstreamTtl: 7200, stored: 3600 },
    { text: 'cache', upstreamTtl: 1, stored: 5 },
    { text: 'cache {\n success 100 60 20\n}', upstreamTtl: 10, stored: 20 },
    { text: 'cache {\n success 100 60 20\n}', upstreamTtl: 90, stored: 60 },
    { text: 'cache {\n success 100 600 0\n}', upstreamTtl: 0, stored: 0 },
  ])('$text keeps a TTL $upstreamTtl answer for $stored s', async ({ text, upstreamTtl, stored }) => {
    const { up, ask, plugin } = setup(text);
    up.answer = (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1', upstreamTtl)]);
    expect(ttls(await ask('ttl.example.org'))).toEqual([stored === 0 ? upstreamTtl : stored]);
    expect(plugin.size('success')).toBe(stored === 0 ? 0 : 1);
  });

  it("preserves each client's question case through the writer", async () => {
    const { up, ask } = setup();
    await ask('Foo.Example.ORG');
    const out = await ask('fOO.eXAMPLE.org');
    expect(up.calls).toHaveLength(1);
    expect(out.question).toEqual(['fOO.eXAMPLE.org. A']);
    expect(out.answer).toEqual(['fOO.eXAMPLE.org. 300 IN A 192.0.2.1']);
  });

  it('keeps DO and CD queries apart from plain ones', async () => {
    const { up, ask } = setup();
    const variants: RequestOptions[] = [{}, { edns: { do: true } }, { cd: true }, { edns: { do: true }, cd: true }, { edns: {} }];
    for (const v of variants) await ask('k.example.org', 'A', v);
    // EDNS without DO shares the plain entry: 4 distinct keys.
    expect(up.calls).toHaveLength(4);
    for (const v of variants) await ask('k.example.org', 'A', v);
    expect(up.calls).toHaveLength(4);
  });

  it('keys by type and class as well as name', async () => {
    const { up, ask } = setup();
    await ask('t.example.org', 'A');
    await ask('t.example.org', 'AAAA');
    await ask('t.example.org', 'A');
    expect(up.calls).toHaveLength(2);
  });

  it('caches NXDOMAIN and NODATA for the SOA minimum (RFC 2308), capped by the denial TTL', async () => {
    const { up, ask, clock } = setup('cache {\n denial 100 40\n}');
    up.answer = (req) => message(req, req.question.type === QType.A ? Rcode.NXDOMAIN : Rcode.NOERROR, [], [SOA('example.org.', 3600, 60)]);
    const nx = await ask('nx.example.org');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(ttls(nx)).toEqual([40]);
    const nodata = await ask('nx.example.org', 'TXT');
    expect(nodata.rcode).toBe('NOERROR');
    expect(ttls(nodata)).toEqual([40]);
    clock.advance(10);
    const again = await ask('nx.example.org');
    expect(again.rcode).toBe('NXDOMAIN');
    expect(ttls(again)).toEqual([30]);
    expect(up.calls).toHaveLength(2);
  });

  it('uses the SOA minimum when it is below the SOA TTL', async () => {
    const { up, ask } = setup();
    up.answer = (req) => message(req, Rcode.NXDOMAIN, [], [SOA('example.org.', 3600, 60)]);
    expect(ttls(await ask('nx.example.org'))).toEqual([60]);
  });

  it('keeps success and denial capacities apart and counts evictions', async () => {
    const { up, ask, plugin, runtime } = setup('cache {\n success 2\n denial 1\n}');
    up.answer = (req) =>
      req.question.name.startsWith('nx')
        ? message(req, Rcode.NXDOMAIN, [], [SOA('example.org.', 300, 300)])
        : message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1')]);
    for (const n of ['a', 'b', 'c', 'nx1', 'nx2']) await ask(`${n}.example.org`);
    expect(plugin.size('success')).toBe(2);
    expect(plugin.size('denial')).toBe(1);
    expect(await metricValue(runtime, 'coredns_cache_evictions_total', { type: 'success' })).toBe(1);
    expect(await metricValue(runtime, 'coredns_cache_evictions_total', { type: 'denial' })).toBe(1);
    expect(await metricValue(runtime, 'coredns_cache_entries', { type: 'success' })).toBe(2);
    // The least recently used one went.
    await ask('a.example.org');
    expect(up.calls.filter((r) => r.question.name === 'a.example.org.')).toHaveLength(2);
  });

  it('caches an upstream SERVFAIL for 5 s by default', async () => {
    const { up, ask, clock } = setup();
    up.answer = (req) => message(req, Rcode.SERVFAIL, []);
    expect((await ask('sf.example.org')).rcode).toBe('SERVFAIL');
    expect((await ask('sf.example.org')).rcode).toBe('SERVFAIL');
    expect(up.calls).toHaveLength(1);
    clock.advance(5);
    await ask('sf.example.org');
    expect(up.calls).toHaveLength(2);
  });

  it.each([
    { text: 'cache {\n servfail 0\n}', calls: 2 },
    { text: 'cache {\n servfail 30s\n}', calls: 1 },
  ])('$text', async ({ text, calls }) => {
    const { up, ask, clock } = setup(text);
    up.answer = (req) => message(req, Rcode.SERVFAIL, []);
    await ask('sf.example.org');
    clock.advance(20);
    await ask('sf.example.org');
    expect(up.calls).toHaveLength(calls);
  });

  it('never caches an rcode-only reply (nothing written)', async () => {
    const { up, ask } = setup();
    up.answer = () => rcodeReply(Rcode.SERVFAIL, 'forward');
    await ask('x.example.org');
    await ask('x.example.org');
    expect(up.calls).toHaveLength(2);
  });

  it('does not store a reply whose question does not match, and counts a drop', async () => {
    const { up, ask, plugin, runtime } = setup();
    up.answer = (req) => message(req, Rcode.NOERROR, [A('other.example.org.', '192.0.2.66')], [], [], 'other.example.org.');
    await ask('mine.example.org');
    await ask('mine.example.org');
    expect(up.calls).toHaveLength(2);
    expect(plugin.size('success')).toBe(0);
    expect(await metricValue(runtime, 'coredns_cache_drops_total')).toBe(2);
  });

  it('only caches names in its zones', async () => {
    const { up, ask } = setup('cache 30 example.org');
    await ask('a.example.org');
    await ask('a.example.org');
    await ask('a.example.com');
    await ask('a.example.com');
    expect(up.calls.map((r) => r.question.name)).toEqual(['a.example.org.', 'a.example.com.', 'a.example.com.']);
  });

  it('disable success|denial skips storing in the given zones', async () => {
    const { up, ask } = setup('cache {\n disable success internal.example.org\n disable denial\n}');
    up.answer = (req) =>
      req.question.name.startsWith('nx')
        ? message(req, Rcode.NXDOMAIN, [], [SOA('example.org.', 300, 300)])
        : message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1')]);
    for (let i = 0; i < 2; i++) {
      await ask('a.internal.example.org');
      await ask('b.example.org');
      await ask('nx.example.org');
    }
    expect(up.calls.map((r) => r.question.name).sort()).toEqual([
      'a.internal.example.org.', 'a.internal.example.org.', 'b.example.org.', 'nx.example.org.', 'nx.example.org.',
    ]);
  });

  it('keepttl serves the stored TTL without counting down', async () => {
    const { ask, clock } = setup('cache 60 {\n keepttl\n}');
    await ask('k.example.org');
    clock.advance(30);
    expect(ttls(await ask('k.example.org'))).toEqual([60, 60]);
  });

  it('prefetches a popular entry before it expires and keeps its popularity', async () => {
    const { up, ask, clock, runtime } = setup('cache {\n prefetch 2 1m 50%\n}');
    up.answer = (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1', 10)]);
    await ask('hot.example.org'); // miss, stored for 10 s
    clock.advance(1);
    await ask('hot.example.org'); // hit 1, ttl 9: above 5
    expect(up.calls).toHaveLength(1);
    clock.advance(5);
    const served = await ask('hot.example.org'); // hit 2, ttl 4 <= ceil(50% of 10): prefetch
    expect(ttls(served)).toEqual([4]);
    await waitFor(() => up.calls.length === 2);
    expect(await metricValue(runtime, 'coredns_cache_prefetch_total')).toBe(1);
    await Promise.resolve();
    expect(ttls(await ask('hot.example.org'))).toEqual([10]);
  });

  it('does not prefetch entries below the popularity threshold', async () => {
    const { up, ask, clock } = setup('cache {\n prefetch 3\n}');
    up.answer = (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1', 10)]);
    await ask('cold.example.org');
    clock.advance(9.5);
    await ask('cold.example.org');
    await new Promise((r) => setTimeout(r, 20));
    expect(up.calls).toHaveLength(1);
  });

  it('serve_stale answers from an expired entry with TTL 0 and refreshes it in the background', async () => {
    const { up, ask, clock, runtime } = setup('cache {\n serve_stale 1m\n}');
    up.answer = (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1', 10)]);
    await ask('st.example.org');
    clock.advance(30);
    up.answer = (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.2', 10)]);
    const stale = await ask('st.example.org');
    expect(stale.answer).toEqual(['st.example.org. 0 IN A 192.0.2.1']);
    await waitFor(() => up.calls.length === 2);
    await new Promise((r) => setTimeout(r, 5));
    expect((await ask('st.example.org')).answer).toEqual(['st.example.org. 10 IN A 192.0.2.2']);
    expect(await metricValue(runtime, 'coredns_cache_served_stale_total')).toBe(1);
  });

  it('serve_stale keeps the stale entry when the refresh fails', async () => {
    const { up, ask, clock } = setup('cache {\n serve_stale\n}');
    up.answer = (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1', 10)]);
    await ask('st.example.org');
    clock.advance(30);
    up.answer = (req) => message(req, Rcode.SERVFAIL, []);
    await ask('st.example.org');
    await waitFor(() => up.calls.length === 2);
    await new Promise((r) => setTimeout(r, 5));
    expect((await ask('st.example.org')).answer).toEqual(['st.example.org. 0 IN A 192.0.2.1']);
  });

  it('serve_stale stops serving an entry older than its duration', async () => {
    const { up, ask, clock } = setup('cache {\n serve_stale 1m\n}');
    up.answer = (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1', 10)]);
    await ask('old.example.org');
    clock.advance(10 + 61);
    const out = await ask('old.example.org');
    expect(out.answer).toEqual(['old.example.org. 10 IN A 192.0.2.1']);
    expect(up.calls).toHaveLength(2);
  });

  it.each([
    { name: 'the source answers: the fresh answer', fresh: true, want: 'v.example.org. 10 IN A 192.0.2.2' },
    { name: 'the source fails: the stale answer', fresh: false, want: 'v.example.org. 0 IN A 192.0.2.1' },
  ])('serve_stale verify: when $name', async ({ fresh, want }) => {
    const { up, ask, clock } = setup('cache {\n serve_stale 1h verify\n}');
    up.answer = (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.1', 10)]);
    await ask('v.example.org');
    clock.advance(30);
    up.answer = fresh ? (req) => message(req, Rcode.NOERROR, [A(req.question.name, '192.0.2.2', 10)]) : () => rcodeReply(Rcode.SERVFAIL, 'forward');
    expect((await ask('v.example.org')).answer).toEqual([want]);
    expect(up.calls).toHaveLength(2);
  });

  it('exports request, hit and miss counters with CoreDNS labels', async () => {
    const { ask, runtime } = setup('cache 30 example.org example.net', ['.']);
    await ask('m.example.org');
    await ask('m.example.org');
    await ask('m.example.org');
    const labels = { server: 'dns://:53', zones: 'example.org.,example.net.', view: '' };
    expect(await metricValue(runtime, 'coredns_cache_requests_total', labels)).toBe(3);
    expect(await metricValue(runtime, 'coredns_cache_misses_total', labels)).toBe(1);
    expect(await metricValue(runtime, 'coredns_cache_hits_total', { ...labels, type: 'success' })).toBe(2);
  });
});
