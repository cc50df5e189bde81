// The zone's answer rules (README, How answers map to objects) as a table, through the real handler, on a fixture of
// our own (test/fixtures/behaviour.yaml) that exercises what CoreDNS's table does not.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHarness, type Harness } from '../support/harness.js';

const Z = 'clusterset.local.';
const fixture = readFileSync(new URL('../fixtures/behaviour.yaml', import.meta.url), 'utf8');
const a = (x: string): string => `${x}.apps.svc.${Z}`;
const soa = (zone: string, ttl = 5): string => `${zone} ${ttl} IN SOA ns.dns.${Z} hostmaster.${Z} SERIAL 7200 1800 86400 ${ttl}`;
const SOA = soa(Z);

interface Case {
  readonly name: string;
  readonly qname: string;
  readonly qtype: string;
  readonly rcode: string;
  readonly answer?: string[];
  readonly authority?: string[];
  readonly additional?: string[];
}

const normalize = (lines: readonly string[]): string[] => lines.map((l) => l.replace(/ SOA (\S+) (\S+) \d+ /, ' SOA $1 $2 SERIAL '));

async function check(h: Harness, c: Case): Promise<void> {
  const r = await h.ask(c.qname, c.qtype, { edns: {} });
  expect(r.rcode).toBe(c.rcode);
  if (c.rcode !== 'SERVFAIL') expect(r.flags.aa).toBe(true);
  expect(normalize(r.answer)).toEqual([...(c.answer ?? [])].sort());
  expect(normalize(r.authority)).toEqual([...(c.authority ?? [])].sort());
  expect(normalize(r.additional)).toEqual([...(c.additional ?? [])].sort());
}

const defaultCases: Case[] = [
  { name: 'ClusterSetIP A', qname: a('web'), qtype: 'A', rcode: 'NOERROR', answer: [`${a('web')} 5 IN A 10.96.0.10`] },
  { name: 'ClusterSetIP AAAA', qname: a('web'), qtype: 'AAAA', rcode: 'NOERROR', answer: [`${a('web')} 5 IN AAAA fd00:96::10`] },
  {
    name: 'SRV per port, named and unnamed, weight floor(100/3)',
    qname: a('web'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [80, 53, 9090].map((p) => `${a('web')} 5 IN SRV 0 33 ${p} ${a('web')}`),
    additional: [`${a('web')} 5 IN A 10.96.0.10`, `${a('web')} 5 IN AAAA fd00:96::10`],
  },
  {
    name: '_port._proto SRV',
    qname: `_dns._udp.${a('web')}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [`_dns._udp.${a('web')} 5 IN SRV 0 100 53 ${a('web')}`],
    additional: [`${a('web')} 5 IN A 10.96.0.10`, `${a('web')} 5 IN AAAA fd00:96::10`],
  },
  {
    name: '_port._proto matches case-insensitively, owner keeps the question case',
    qname: `_HTTP._Tcp.${a('web')}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [`_HTTP._Tcp.${a('web')} 5 IN SRV 0 100 80 ${a('web')}`],
    additional: [`${a('web')} 5 IN A 10.96.0.10`, `${a('web')} 5 IN AAAA fd00:96::10`],
  },
  { name: '_port._proto of no port', qname: `_http._udp.${a('web')}`, qtype: 'SRV', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: '_proto alone', qname: `_tcp.${a('web')}`, qtype: 'SRV', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: '_port._proto for A is NODATA', qname: `_http._tcp.${a('web')}`, qtype: 'A', rcode: 'NOERROR', authority: [SOA] },
  { name: 'ClusterSetIP without ports still answers A (differs from CoreDNS)', qname: a('noports'), qtype: 'A', rcode: 'NOERROR', answer: [`${a('noports')} 5 IN A 10.96.0.11`] },
  { name: 'no ports: SRV is NODATA', qname: a('noports'), qtype: 'SRV', rcode: 'NOERROR', authority: [SOA] },
  { name: 'spec.ips still empty: NODATA', qname: a('pending'), qtype: 'A', rcode: 'NOERROR', authority: [SOA] },
  { name: 'headless A: ready endpoints of every cluster', qname: a('db'), qtype: 'A', rcode: 'NOERROR', answer: [`${a('db')} 5 IN A 10.1.0.1`, `${a('db')} 5 IN A 10.2.0.1`] },
  { name: 'headless AAAA, address canonicalized', qname: a('db'), qtype: 'AAAA', rcode: 'NOERROR', answer: [`${a('db')} 5 IN AAAA fd00:1::1`] },
  {
    name: 'headless SRV: one per name and port, dual-stack name once',
    qname: a('db'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [`${a('db')} 5 IN SRV 0 50 5432 db-0.east.${a('db')}`, `${a('db')} 5 IN SRV 0 50 5432 db-0.west.${a('db')}`],
    additional: [`db-0.east.${a('db')} 5 IN A 10.1.0.1`, `db-0.east.${a('db')} 5 IN AAAA fd00:1::1`, `db-0.west.${a('db')} 5 IN A 10.2.0.1`],
  },
  { name: 'per-endpoint A', qname: `db-0.west.${a('db')}`, qtype: 'A', rcode: 'NOERROR', answer: [`db-0.west.${a('db')} 5 IN A 10.2.0.1`] },
  { name: 'per-endpoint AAAA', qname: `db-0.east.${a('db')}`, qtype: 'AAAA', rcode: 'NOERROR', answer: [`db-0.east.${a('db')} 5 IN AAAA fd00:1::1`] },
  { name: 'per-endpoint TXT is NODATA', qname: `db-0.east.${a('db')}`, qtype: 'TXT', rcode: 'NOERROR', authority: [SOA] },
  { name: 'not-ready endpoint has no name', qname: `db-1.east.${a('db')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'per-endpoint name on a ClusterSetIP import', qname: `10-2-0-20.west.${a('web')}`, qtype: 'A', rcode: 'NOERROR', answer: [`10-2-0-20.west.${a('web')} 5 IN A 10.2.0.20`] },
  { name: 'endpoint in another cluster', qname: `db-0.north.${a('db')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'cluster id under the service is reserved', qname: `east.${a('db')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'headless with no ready endpoint is NXDOMAIN', qname: a('idle'), qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'pod form answers like svc', qname: `db.apps.pod.${Z}`, qtype: 'A', rcode: 'NOERROR', answer: [`db.apps.pod.${Z} 5 IN A 10.1.0.1`, `db.apps.pod.${Z} 5 IN A 10.2.0.1`] },
  { name: 'deeper names do not exist', qname: `x.db-0.west.${a('db')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'empty namespace exists', qname: `empty-ns.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', authority: [SOA] },
  { name: 'missing import in an existing namespace', qname: `x.empty-ns.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'unknown word under the zone', qname: `foo.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'ns.dns exists without addresses', qname: `ns.dns.${Z}`, qtype: 'A', rcode: 'NOERROR', authority: [SOA] },
  { name: 'dns is an empty non-terminal', qname: `dns.${Z}`, qtype: 'A', rcode: 'NOERROR', authority: [SOA] },
  { name: 'apex SOA', qname: Z, qtype: 'SOA', rcode: 'NOERROR', answer: [SOA] },
  { name: 'apex NS', qname: Z, qtype: 'NS', rcode: 'NOERROR', answer: [`${Z} 5 IN NS ns.dns.${Z}`] },
  { name: 'apex A is NODATA', qname: Z, qtype: 'A', rcode: 'NOERROR', authority: [SOA] },
  { name: 'ANY on an existing name: RFC 8482', qname: a('web'), qtype: 'ANY', rcode: 'NOERROR', answer: [`${a('web')} 5 IN HINFO "RFC8482" ""`] },
  { name: 'ANY on a missing name', qname: a('nope'), qtype: 'ANY', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'a type we do not serve is NODATA', qname: a('web'), qtype: 'MX', rcode: 'NOERROR', authority: [SOA] },
  { name: 'PTR of a clusterset IP', qname: '10.0.96.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: [`10.0.96.10.in-addr.arpa. 5 IN PTR ${a('web')}`] },
  {
    name: 'PTR of an IPv6 clusterset IP',
    qname: '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.0.d.f.ip6.arpa.',
    qtype: 'PTR',
    rcode: 'NOERROR',
    answer: [`0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.0.d.f.ip6.arpa. 5 IN PTR ${a('web')}`],
  },
  { name: 'PTR of an endpoint', qname: '1.0.1.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: [`1.0.1.10.in-addr.arpa. 5 IN PTR db-0.east.${a('db')}`] },
  { name: 'PTR of a not-ready endpoint', qname: '2.0.1.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NXDOMAIN', authority: [soa('in-addr.arpa.')] },
  { name: 'other reverse names', qname: '10.in-addr.arpa.', qtype: 'PTR', rcode: 'NXDOMAIN', authority: [soa('in-addr.arpa.')] },
  { name: 'reverse zone SOA', qname: 'in-addr.arpa.', qtype: 'SOA', rcode: 'NOERROR', answer: [soa('in-addr.arpa.')] },
  { name: 'reverse zone NS', qname: 'ip6.arpa.', qtype: 'NS', rcode: 'NOERROR', answer: [`ip6.arpa. 5 IN NS ns.dns.${Z}`] },
  { name: 'A on a PTR name is NODATA', qname: '10.0.96.10.in-addr.arpa.', qtype: 'A', rcode: 'NOERROR', authority: [soa('in-addr.arpa.')] },
];

const reverseCorefile = (opts: string): string =>
  `clusterset.local in-addr.arpa ip6.arpa {\n  multicluster clusterset.local in-addr.arpa ip6.arpa {\n    objects objects.yaml\n${opts}  }\n}\n`;

describe('dns-behaviour.md rules', () => {
  let h: Harness;
  beforeAll(async () => {
    h = makeHarness({ corefile: reverseCorefile(''), files: { 'objects.yaml': fixture } });
    await h.start();
  });
  afterAll(async () => h.stop());
  it.each(defaultCases)('$name: $qname $qtype -> $rcode', async (c) => check(h, c));

  it('keeps the exact case of the question in the owner names (0x20)', async () => {
    const q = 'WeB.aPPs.SVC.ClusterSet.Local.';
    const r = await h.ask(q, 'A', { edns: {} });
    expect(r.question).toEqual([`${q} A`]);
    expect(r.answer).toEqual([`${q} 5 IN A 10.96.0.10`]);
  });
});

describe('multicluster options', () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.stop();
  });
  async function withOptions(opts: string): Promise<Harness> {
    const h = makeHarness({ corefile: reverseCorefile(opts), files: { 'objects.yaml': fixture } });
    harnesses.push(h);
    await h.start();
    return h;
  }

  it('ttl sets record TTLs and the SOA minimum (negative caching)', async () => {
    const h = await withOptions('    ttl 30\n');
    await check(h, { name: '', qname: a('web'), qtype: 'A', rcode: 'NOERROR', answer: [`${a('web')} 30 IN A 10.96.0.10`] });
    await check(h, { name: '', qname: a('nope'), qtype: 'A', rcode: 'NXDOMAIN', authority: [soa(Z, 30)] });
    await check(h, { name: '', qname: `dns-version.${Z}`, qtype: 'TXT', rcode: 'NOERROR', answer: [`dns-version.${Z} 28800 IN TXT "1.1.0"`] });
  });

  it('noendpoints: headless and per-endpoint names are NXDOMAIN, ClusterSetIP still answers', async () => {
    const h = await withOptions('    noendpoints\n');
    await check(h, { name: '', qname: a('db'), qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] });
    await check(h, { name: '', qname: `db-0.west.${a('db')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] });
    await check(h, { name: '', qname: `10-2-0-20.west.${a('web')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] });
    await check(h, { name: '', qname: a('web'), qtype: 'A', rcode: 'NOERROR', answer: [`${a('web')} 5 IN A 10.96.0.10`] });
    await check(h, { name: '', qname: '1.0.1.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NXDOMAIN', authority: [soa('in-addr.arpa.')] });
  });

  it('fallthrough ZONES hands NXDOMAIN in those zones to the next plugin (here: end of chain)', async () => {
    const h = await withOptions('    fallthrough in-addr.arpa\n');
    // The chain ends after multicluster, so what falls through becomes CoreDNS's SERVFAIL.
    expect((await h.ask('9.9.9.9.in-addr.arpa.', 'PTR')).rcode).toBe('SERVFAIL');
    expect((await h.ask(a('nope'), 'A')).rcode).toBe('NXDOMAIN');
    expect((await h.ask('10.0.96.10.in-addr.arpa.', 'PTR')).answer).toEqual([`10.0.96.10.in-addr.arpa. 5 IN PTR ${a('web')}`]);
  });

  it('fallthrough without zones covers every zone; NODATA never falls through', async () => {
    const h = await withOptions('    fallthrough\n');
    expect((await h.ask(a('nope'), 'A')).rcode).toBe('SERVFAIL');
    expect((await h.ask(a('web'), 'TXT')).rcode).toBe('NOERROR');
  });

  it('serves several zones with the same data', async () => {
    const h = makeHarness({
      corefile: 'clusterset.local example.internal {\n  multicluster clusterset.local example.internal {\n    objects objects.yaml\n  }\n}\n',
      files: { 'objects.yaml': fixture },
    });
    harnesses.push(h);
    await h.start();
    const r = await h.ask('_http._tcp.web.apps.svc.example.internal.', 'SRV', { edns: {} });
    expect(r.answer).toEqual(['_http._tcp.web.apps.svc.example.internal. 5 IN SRV 0 100 80 web.apps.svc.example.internal.']);
    const n = await h.ask('nope.example.internal.', 'A');
    expect(normalize(n.authority)).toEqual(['example.internal. 5 IN SOA ns.dns.example.internal. hostmaster.example.internal. SERIAL 7200 1800 86400 5']);
  });
});
