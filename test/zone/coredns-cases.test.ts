// CoreDNS's public multicluster handler test table (its plugin's handler test), held against
// our handler with the same fixture, zone clusterset.local. Rows where we deliberately
// differs carry our answer and say so.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHarness, type Harness } from '../support/harness.js';

const Z = 'clusterset.local.';
const fixture = readFileSync(new URL('../fixtures/coredns-fixture.yaml', import.meta.url), 'utf8');
const SOA = `${Z} 5 IN SOA ns.dns.${Z} hostmaster.${Z} SERIAL 7200 1800 86400 5`;
const corefile = `clusterset.local {\n  multicluster {\n    objects objects.yaml\n  }\n}\n`;
const t = (x: string): string => `${x}.testns.svc.${Z}`;

interface Case {
  readonly n: number | string;
  readonly qname: string;
  readonly qtype: string;
  readonly rcode: string;
  readonly answer?: string[];
  readonly authority?: string[];
  readonly additional?: string[];
  readonly note?: string;
}

const hdlsTargets = ['172-0-0-2', '172-0-0-3', '5678-abcd--1', '5678-abcd--2', 'dup-name'].map((h) => `${h}.clusterid.${t('hdls1')}`);

const cases: Case[] = [
  { n: 1, qname: t('svc1'), qtype: 'A', rcode: 'NOERROR', answer: [`${t('svc1')} 5 IN A 10.0.0.1`] },
  { n: 2, qname: t('svcempty'), qtype: 'A', rcode: 'NOERROR', answer: [`${t('svcempty')} 5 IN A 10.0.0.1`] },
  { n: 3, qname: t('svc1'), qtype: 'SRV', rcode: 'NOERROR', answer: [`${t('svc1')} 5 IN SRV 0 100 80 ${t('svc1')}`], additional: [`${t('svc1')} 5 IN A 10.0.0.1`] },
  { n: 4, qname: t('svcempty'), qtype: 'SRV', rcode: 'NOERROR', answer: [`${t('svcempty')} 5 IN SRV 0 100 80 ${t('svcempty')}`], additional: [`${t('svcempty')} 5 IN A 10.0.0.1`] },
  { n: 5, qname: t('svc6'), qtype: 'SRV', rcode: 'NOERROR', answer: [`${t('svc6')} 5 IN SRV 0 100 80 ${t('svc6')}`], additional: [`${t('svc6')} 5 IN AAAA 1234:abcd::1`] },
  { n: 6, qname: `_http._tcp.${t('svc1')}`, qtype: 'SRV', rcode: 'NOERROR', answer: [`_http._tcp.${t('svc1')} 5 IN SRV 0 100 80 ${t('svc1')}`], additional: [`${t('svc1')} 5 IN A 10.0.0.1`] },
  { n: 7, qname: `_http._tcp.${t('svcempty')}`, qtype: 'SRV', rcode: 'NOERROR', answer: [`_http._tcp.${t('svcempty')} 5 IN SRV 0 100 80 ${t('svcempty')}`], additional: [`${t('svcempty')} 5 IN A 10.0.0.1`] },
  { n: 8, qname: t('hdls1'), qtype: 'A', rcode: 'NOERROR', answer: ['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5'].map((a) => `${t('hdls1')} 5 IN A ${a}`) },
  { n: 9, qname: t('hdlsprtls'), qtype: 'A', rcode: 'NOERROR', answer: [`${t('hdlsprtls')} 5 IN A 172.0.0.20`] },
  { n: 10, qname: `172-0-0-20.clusterid.${t('hdlsprtls')}`, qtype: 'A', rcode: 'NOERROR', answer: [`172-0-0-20.clusterid.${t('hdlsprtls')} 5 IN A 172.0.0.20`] },
  { n: 11, qname: `172-0-0-2.clusterid.${t('hdls1')}`, qtype: 'A', rcode: 'NOERROR', answer: [`172-0-0-2.clusterid.${t('hdls1')} 5 IN A 172.0.0.2`] },
  { n: 12, qname: `172-0-0-3.clusterid.${t('hdls1')}`, qtype: 'A', rcode: 'NOERROR', answer: [`172-0-0-3.clusterid.${t('hdls1')} 5 IN A 172.0.0.3`] },
  { n: 13, qname: `dup-name.clusterid.${t('hdls1')}`, qtype: 'A', rcode: 'NOERROR', answer: ['172.0.0.4', '172.0.0.5'].map((a) => `dup-name.clusterid.${t('hdls1')} 5 IN A ${a}`) },
  { n: 14, qname: `clusterid.${t('hdls1')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  {
    n: 15,
    qname: `_http._tcp.${t('hdls1')}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    note: 'CoreDNS weights 16; ours 20 (N counted after de-duplication)',
    answer: hdlsTargets.map((h) => `_http._tcp.${t('hdls1')} 5 IN SRV 0 20 80 ${h}`),
    additional: [
      `172-0-0-2.clusterid.${t('hdls1')} 5 IN A 172.0.0.2`,
      `172-0-0-3.clusterid.${t('hdls1')} 5 IN A 172.0.0.3`,
      `dup-name.clusterid.${t('hdls1')} 5 IN A 172.0.0.4`,
      `dup-name.clusterid.${t('hdls1')} 5 IN A 172.0.0.5`,
      `5678-abcd--1.clusterid.${t('hdls1')} 5 IN AAAA 5678:abcd::1`,
      `5678-abcd--2.clusterid.${t('hdls1')} 5 IN AAAA 5678:abcd::2`,
    ],
  },
  { n: 16, qname: `5678-abcd--2.clusterid.${t('hdls1')}`, qtype: 'AAAA', rcode: 'NOERROR', answer: [`5678-abcd--2.clusterid.${t('hdls1')} 5 IN AAAA 5678:abcd::2`] },
  { n: 17, qname: t('svc1'), qtype: 'AAAA', rcode: 'NOERROR', answer: [], authority: [SOA] },
  { n: 18, qname: t('svc0'), qtype: 'AAAA', rcode: 'NXDOMAIN', authority: [SOA] },
  { n: 19, qname: t('svc0'), qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { n: 20, qname: `svc0.svc-nons.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { n: 21, qname: `dns-version.${Z}`, qtype: 'TXT', rcode: 'NOERROR', answer: [`dns-version.${Z} 28800 IN TXT "1.1.0"`] },
  { n: 22, qname: t('svc1'), qtype: 'TXT', rcode: 'NOERROR', answer: [], authority: [SOA] },
  { n: 23, qname: `svc0.svc-nons.svc.${Z}`, qtype: 'TXT', rcode: 'NXDOMAIN', authority: [SOA] },
  { n: 24, qname: `bogusendpoint.clusterid.${t('hdls1')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { n: 25, qname: `bogusendpoint.clusterid.${t('svc0')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { n: 26, qname: t('svc6'), qtype: 'AAAA', rcode: 'NOERROR', answer: [`${t('svc6')} 5 IN AAAA 1234:abcd::1`] },
  { n: 27, qname: `_http._tcp.${t('svc6')}`, qtype: 'SRV', rcode: 'NOERROR', answer: [`_http._tcp.${t('svc6')} 5 IN SRV 0 100 80 ${t('svc6')}`], additional: [`${t('svc6')} 5 IN AAAA 1234:abcd::1`] },
  { n: 28, qname: t('hdls1'), qtype: 'AAAA', rcode: 'NOERROR', answer: [`${t('hdls1')} 5 IN AAAA 5678:abcd::1`, `${t('hdls1')} 5 IN AAAA 5678:abcd::2`] },
  { n: 29, qname: `5678-abcd--1.clusterid.${t('hdls1')}`, qtype: 'AAAA', rcode: 'NOERROR', answer: [`5678-abcd--1.clusterid.${t('hdls1')} 5 IN AAAA 5678:abcd::1`] },
  { n: '30a', qname: `svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answer: [], authority: [SOA] },
  { n: '30b', qname: `pod.${Z}`, qtype: 'A', rcode: 'NOERROR', answer: [], authority: [SOA] },
  { n: '30c', qname: `testns.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answer: [], authority: [SOA] },
  { n: 31, qname: t('svc-dual-stack'), qtype: 'A', rcode: 'NOERROR', answer: [`${t('svc-dual-stack')} 5 IN A 10.0.0.3`] },
  { n: 32, qname: t('svc-dual-stack'), qtype: 'AAAA', rcode: 'NOERROR', answer: [`${t('svc-dual-stack')} 5 IN AAAA 10::3`] },
  {
    n: 33,
    qname: t('svc-dual-stack'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    note: 'CoreDNS weight 50; ours 100 (one SRV record)',
    answer: [`${t('svc-dual-stack')} 5 IN SRV 0 100 80 ${t('svc-dual-stack')}`],
    additional: [`${t('svc-dual-stack')} 5 IN A 10.0.0.3`, `${t('svc-dual-stack')} 5 IN AAAA 10::3`],
  },
  { n: 34, qname: t('svc1'), qtype: 'SOA', rcode: 'NOERROR', answer: [], authority: [SOA] },
  { n: 35, qname: `svc1.nsnoexist.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  // From CoreDNS's other tests.
  { n: 'ep1a', qname: `ep1a.clusterid.${t('svc1')}`, qtype: 'A', rcode: 'NOERROR', answer: [`ep1a.clusterid.${t('svc1')} 5 IN A 172.0.0.1`] },
  { n: 'ns-svc', qname: `svc.${Z}`, qtype: 'NS', rcode: 'NOERROR', answer: [], authority: [SOA] },
  { n: 'ns-testns', qname: `testns.svc.${Z}`, qtype: 'NS', rcode: 'NOERROR', answer: [], authority: [SOA] },
  { n: 'ns-foo', qname: `foo.${Z}`, qtype: 'NS', rcode: 'NXDOMAIN', authority: [SOA] },
  { n: 'ns-foo-svc', qname: `foo.svc.${Z}`, qtype: 'NS', rcode: 'NXDOMAIN', authority: [SOA] },
  { n: 'apex-ns', qname: Z, qtype: 'NS', rcode: 'NOERROR', note: 'standalone plugin: NXDOMAIN; ours answers', answer: [`${Z} 5 IN NS ns.dns.${Z}`] },
  { n: 'dns-version-A', qname: `dns-version.${Z}`, qtype: 'A', rcode: 'NOERROR', note: 'CoreDNS: NXDOMAIN; ours NODATA', answer: [], authority: [SOA] },
];

const normalize = (lines: readonly string[]): string[] => lines.map((l) => l.replace(/ SOA (\S+) (\S+) \d+ /, ' SOA $1 $2 SERIAL '));

describe('CoreDNS multicluster handler cases', () => {
  let h: Harness;
  beforeAll(async () => {
    h = makeHarness({ corefile, files: { 'objects.yaml': fixture } });
    await h.start();
  });
  afterAll(async () => h.stop());

  it.each(cases)('case $n: $qname $qtype -> $rcode', async (c) => {
    const r = await h.ask(c.qname, c.qtype, { edns: {} });
    expect(r.rcode).toBe(c.rcode);
    expect(r.flags.aa).toBe(true);
    expect(normalize(r.answer)).toEqual([...(c.answer ?? [])].sort());
    expect(normalize(r.authority)).toEqual([...(c.authority ?? [])].sort());
    expect(normalize(r.additional)).toEqual([...(c.additional ?? [])].sort());
  });
});

describe('case 36: before the caches synced', () => {
  it('answers SERVFAIL where the answer would be NXDOMAIN', async () => {
    const h = makeHarness({ corefile, files: { 'objects.yaml': fixture } });
    // Not started: the source has not loaded (synced() is false).
    const r = await h.ask(t('svc0'), 'A');
    expect(r.rcode).toBe('SERVFAIL');
    await h.start();
    expect((await h.ask(t('svc0'), 'A')).rcode).toBe('NXDOMAIN');
    expect((await h.ask(t('svc1'), 'A')).answer).toEqual([`${t('svc1')} 5 IN A 10.0.0.1`]);
    await h.stop();
  });
});
