// CoreDNS's current forward semantics through real Corefiles (buildBlocks, the packet handler) and
// fake upstreams on loopback: several `forward`s in a block tried in order, `next RCODE...` and
// `next_on_nodata` handing a query to the next `forward`, `failover RCODE...` moving to the next
// upstream, `max_connect_attempts`, `max_idle_conns`, and hostname upstreams with `resolver`.

import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/corefile/types.js';
import type { ForwardPlugin } from '../../src/plugins/forward/forward-plugin.js';
import { dig } from '../support/dig.js';
import { A, FakeUpstream, answering, answeringA, silent, type Behaviour } from '../support/fake-upstream.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { metricValue } from './plugin-harness.js';

const upstreams: FakeUpstream[] = [];
let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
  for (const u of upstreams.splice(0)) await u.stop();
});

async function upstream(b: Behaviour): Promise<FakeUpstream> {
  const u = await FakeUpstream.start(b);
  upstreams.push(u);
  return u;
}

async function harness(corefile: string): Promise<Harness> {
  h = makeHarness({ corefile });
  await h.start();
  return h;
}

const NXDOMAIN = answering(() => ({ rcode: 3 }));
const REFUSED = answering(() => ({ rcode: 5 }));
const NODATA: Behaviour = answering(() => ({}));
const queriesTo = (u: FakeUpstream): string[] => u.queries.filter((q) => !(q.name === '.' && q.type === 2)).map((q) => q.name);

describe('several forward directives in one block', () => {
  it('are tried in the order written, each for its own FROM (subdomains first, as CoreDNS advises)', async () => {
    const lab = await upstream(answeringA('192.0.2.1'));
    const corp = await upstream(answeringA('192.0.2.2'));
    const rest = await upstream(answeringA('192.0.2.3'));
    const hh = await harness(
      `. {\n  forward lab.example.local ${lab.address}\n  forward example.local ${corp.address}\n  forward . ${rest.address}\n}\n`,
    );
    const cases = [
      { name: 'a.lab.example.local', ip: '192.0.2.1' },
      { name: 'b.example.local', ip: '192.0.2.2' },
      { name: 'example.org', ip: '192.0.2.3' },
    ];
    for (const c of cases) expect([c.name, (await hh.ask(c.name, 'A')).answer]).toEqual([c.name, [`${c.name}. 300 IN A ${c.ip}`]]);
    expect([queriesTo(lab), queriesTo(corp), queriesTo(rest)]).toEqual([['a.lab.example.local.'], ['b.example.local.'], ['example.org.']]);
  });

  const nextCases = [
    {
      what: 'next NXDOMAIN hands an NXDOMAIN to the next forward',
      first: NXDOMAIN,
      options: 'next NXDOMAIN',
      rcode: 'NOERROR',
      secondAsked: 1,
    },
    { what: 'without next the NXDOMAIN stands', first: NXDOMAIN, options: '', rcode: 'NXDOMAIN', secondAsked: 0 },
    { what: 'next lists several rcodes, in any letter case', first: REFUSED, options: 'next nxdomain refused', rcode: 'NOERROR', secondAsked: 1 },
    { what: 'next does not apply to other rcodes', first: REFUSED, options: 'next NXDOMAIN', rcode: 'REFUSED', secondAsked: 0 },
    { what: 'next_on_nodata hands an empty NOERROR on', first: NODATA, options: 'next_on_nodata', rcode: 'NOERROR', secondAsked: 1 },
    { what: 'an empty NOERROR stands without next_on_nodata', first: NODATA, options: 'next NXDOMAIN', rcode: 'NOERROR', secondAsked: 0 },
  ];
  it.each(nextCases)('$what', async (c) => {
    const first = await upstream(c.first);
    const second = await upstream(answeringA('192.0.2.20'));
    const hh = await harness(`. {\n  forward . ${first.address} {\n    ${c.options}\n  }\n  forward . ${second.address}\n}\n`);
    const r = await hh.ask('www.example.org', 'A');
    expect(r.rcode).toBe(c.rcode);
    expect(queriesTo(second)).toHaveLength(c.secondAsked);
    if (c.secondAsked > 0) expect(r.answer).toEqual(['www.example.org. 300 IN A 192.0.2.20']);
  });

  it('ignores next on the last forward (nothing after it is a forward)', async () => {
    const only = await upstream(NXDOMAIN);
    const hh = await harness(`. {\n  forward . ${only.address} {\n    next NXDOMAIN\n  }\n}\n`);
    expect((await hh.ask('www.example.org', 'A')).rcode).toBe('NXDOMAIN');
  });

  it('chains next through three forwards (the README example)', async () => {
    const a = await upstream(NXDOMAIN);
    const b = await upstream(NXDOMAIN);
    const c = await upstream(answeringA('192.0.2.30'));
    const hh = await harness(
      `. {\n  forward . ${a.address} {\n    next NXDOMAIN\n  }\n  forward . ${b.address} {\n    next NXDOMAIN\n  }\n  forward . ${c.address}\n}\n`,
    );
    expect((await hh.ask('x.example.org', 'A')).answer).toEqual(['x.example.org. 300 IN A 192.0.2.30']);
    expect([queriesTo(a), queriesTo(b), queriesTo(c)].map((q) => q.length)).toEqual([1, 1, 1]);
  });
});

describe('failover', () => {
  const cases = [
    { what: 'moves on from a listed rcode to the next upstream', options: 'failover SERVFAIL REFUSED', rcode: 'NOERROR', asked: [1, 1] },
    { what: 'without failover the first reply stands', options: '', rcode: 'REFUSED', asked: [1, 0] },
    { what: 'an unlisted rcode stands', options: 'failover SERVFAIL', rcode: 'REFUSED', asked: [1, 0] },
  ];
  it.each(cases)('$what', async (c) => {
    const refusing = await upstream(REFUSED);
    const answering2 = await upstream(answeringA('192.0.2.40'));
    const hh = await harness(`. {\n  forward . ${refusing.address} ${answering2.address} {\n    policy sequential\n    ${c.options}\n  }\n}\n`);
    expect((await hh.ask('www.example.org', 'A')).rcode).toBe(c.rcode);
    expect([queriesTo(refusing).length, queriesTo(answering2).length]).toEqual(c.asked);
  });

  it('returns the last reply once every upstream has given a listed rcode, asking each once', async () => {
    const a = await upstream(REFUSED);
    const b = await upstream(answering(() => ({ rcode: 2 })));
    const hh = await harness(`. {\n  forward . ${a.address} ${b.address} {\n    policy sequential\n    failover SERVFAIL REFUSED\n  }\n}\n`);
    expect((await hh.ask('www.example.org', 'A')).rcode).toBe('SERVFAIL');
    expect([queriesTo(a).length, queriesTo(b).length]).toEqual([1, 1]);
  });
});

describe('max_connect_attempts', () => {
  const cases = [
    { what: 'defaults to two attempts per upstream', options: '', attempts: 4 },
    { what: 'caps the failed attempts of one query', options: 'max_connect_attempts 1', attempts: 1 },
    { what: 'three attempts: the first upstream twice', options: 'max_connect_attempts 3', attempts: 3 },
  ];
  it.each(cases)('$what', async (c) => {
    const a = await upstream(silent);
    const b = await upstream(silent);
    const hh = await harness(
      `. {\n  forward . ${a.address} ${b.address} {\n    policy sequential\n    read_timeout 100ms\n    max_fails 0\n    ${c.options}\n  }\n}\n`,
    );
    expect((await hh.ask('www.example.org', 'A')).rcode).toBe('SERVFAIL');
    expect(queriesTo(a).length + queriesTo(b).length).toBe(c.attempts);
  });
});

describe('max_idle_conns', () => {
  it.each([
    { options: '', hits: 3 },
    { options: 'max_idle_conns 1', hits: 1 },
  ])('keeps at most that many idle connections for reuse ($options)', async ({ options, hits }) => {
    const u = await upstream(answeringA('192.0.2.50'));
    const hh = await harness(`. {\n  forward . ${u.address} {\n    force_tcp\n    ${options}\n  }\n}\n`);
    const burst = () => Promise.all(['a', 'b', 'c'].map((n) => hh.ask(`${n}.example.org`, 'A')));
    await burst();
    expect(u.connections).toBe(3);
    await burst();
    expect(await metricValue(hh.runtime, 'coredns_proxy_conn_cache_hits_total', { proto: 'tcp' })).toBe(hits);
    expect(u.connections).toBe(3 + (3 - hits));
  });
});

describe('hostnames as upstreams', () => {
  it('are resolved at start through the resolver addresses, one upstream per address', async () => {
    const target = await upstream(answeringA('192.0.2.60'));
    const resolver = await upstream(
      answering((q) => (q.type === 1 && q.name.toLowerCase() === 'dns.example.test.' ? { answers: [A(q.name, '127.0.0.1')] } : {})),
    );
    const hh = await harness(`. {\n  forward . dns.example.test:${target.port} {\n    resolver 127.0.0.1:${resolver.port}\n  }\n}\n`);
    const fwd = hh.blocks[0]!.plugins.find((p) => p.name === 'forward') as ForwardPlugin;
    expect(fwd.upstreams.map((u) => u.label)).toEqual([`127.0.0.1:${target.port}`]);
    expect(resolver.queries.map((q) => [q.name, q.type]).sort()).toEqual([
      ['dns.example.test.', 1],
      ['dns.example.test.', 28],
    ]);
    expect((await hh.ask('www.example.org', 'A')).answer).toEqual(['www.example.org. 300 IN A 192.0.2.60']);
  });

  it('tries the resolvers in order, and a name that does not resolve fails the start with its line', async () => {
    const resolver = await upstream(answering(() => ({ rcode: 3 })));
    h = makeHarness({ corefile: `. {\n  forward . nowhere.example.test {\n    resolver 127.0.0.1:${resolver.port}\n  }\n}\n` });
    const err = await h.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/Corefile:2: 'forward': failed to resolve 'nowhere\.example\.test'/);
  });

  it('are answered for over a real socket once resolved (dig)', async () => {
    const target = await upstream(answeringA('192.0.2.61'));
    const resolver = await upstream(answering((q) => (q.type === 1 ? { answers: [A(q.name, '127.0.0.1')] } : {})));
    h = makeHarness({ corefile: `. {\n  forward . upstream.example.test:${target.port} {\n    resolver 127.0.0.1:${resolver.port}\n  }\n}\n` });
    const port = await h.serve();
    const r = await dig(port, ['www.example.org', 'A']);
    expect([r.status, r.answer]).toEqual(['NOERROR', ['www.example.org. 300 IN A 192.0.2.61']]);
  });
});
