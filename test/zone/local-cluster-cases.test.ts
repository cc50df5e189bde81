// `local_cluster` (local cluster first) as tables of DNS cases through the real handler, on
// test/fixtures/local-cluster.yaml with `east` as the local cluster: headless A/AAAA (per address
// family) and SRV (per asked port) hold only the local cluster's ready endpoints when it has any
// for that answer, else every cluster's; everything else answers as without the option. The same
// local table holds for an id given in the Corefile and for one read from the objects file's
// ClusterProperty; the every-cluster table holds without the option and with a local cluster that
// has no endpoint at all.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHarness, type Harness } from '../support/harness.js';

const Z = 'clusterset.local.';
const fixture = readFileSync(new URL('../fixtures/local-cluster.yaml', import.meta.url), 'utf8');
const a = (x: string): string => `${x}.apps.svc.${Z}`;
const SOA = `${Z} 5 IN SOA ns.dns.${Z} hostmaster.${Z} SERIAL 7200 1800 86400 5`;

const clusterProperty = (id: string): string =>
  `---\napiVersion: about.k8s.io/v1alpha1\nkind: ClusterProperty\nmetadata: {name: cluster.clusterset.k8s.io}\nspec: {value: ${id}}\n`;

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
  expect(r.flags.aa).toBe(true);
  expect(normalize(r.answer)).toEqual([...(c.answer ?? [])].sort());
  expect(normalize(r.authority)).toEqual([...(c.authority ?? [])].sort());
  expect(normalize(r.additional)).toEqual([...(c.additional ?? [])].sort());
}

const srv = (owner: string, weight: number, port: number, target: string): string => `${owner} 5 IN SRV 0 ${weight} ${port} ${target}`;
const rr = (owner: string, type: 'A' | 'AAAA', address: string): string => `${owner} 5 IN ${type} ${address}`;
const db0east = `db-0.east.${a('db')}`;
const db0west = `db-0.west.${a('db')}`;
const api0east = `api-0.east.${a('api')}`;
const api0west = `api-0.west.${a('api')}`;

/** With `east` as the local cluster. */
const localCases: Case[] = [
  { name: 'A: the local cluster has a ready IPv4 endpoint, so only its', qname: a('db'), qtype: 'A', rcode: 'NOERROR', answer: [rr(a('db'), 'A', '10.1.0.1')] },
  { name: 'AAAA: the local cluster has no IPv6 endpoint, so every cluster\'s', qname: a('db'), qtype: 'AAAA', rcode: 'NOERROR', answer: [rr(a('db'), 'AAAA', 'fd00:2::1')] },
  {
    name: 'SRV: only the local cluster\'s targets, with their addresses',
    qname: a('db'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(a('db'), 100, 5432, db0east)],
    additional: [rr(db0east, 'A', '10.1.0.1')],
  },
  {
    name: '_port._proto SRV: the same',
    qname: `_pg._tcp.${a('db')}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(`_pg._tcp.${a('db')}`, 100, 5432, db0east)],
    additional: [rr(db0east, 'A', '10.1.0.1')],
  },
  { name: 'A: the local cluster has IPv6 endpoints only, so every cluster\'s IPv4', qname: a('api'), qtype: 'A', rcode: 'NOERROR', answer: [rr(a('api'), 'A', '10.2.0.7')] },
  { name: 'AAAA: the local cluster\'s IPv6 only', qname: a('api'), qtype: 'AAAA', rcode: 'NOERROR', answer: [rr(a('api'), 'AAAA', 'fd00:1::7')] },
  {
    name: 'SRV: the local IPv6-only target',
    qname: a('api'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(a('api'), 100, 9000, api0east)],
    additional: [rr(api0east, 'AAAA', 'fd00:1::7')],
  },
  { name: 'A: the local cluster has only a not-ready endpoint, so every cluster\'s ready ones', qname: a('cache'), qtype: 'A', rcode: 'NOERROR', answer: [rr(a('cache'), 'A', '10.2.0.5')] },
  {
    name: 'SRV: not-ready local endpoint, every cluster\'s targets',
    qname: a('cache'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(a('cache'), 100, 6379, `cache-0.west.${a('cache')}`)],
    additional: [rr(`cache-0.west.${a('cache')}`, 'A', '10.2.0.5')],
  },
  {
    name: 'SRV for all ports: the local cluster has targets, so only its (its ports only)',
    qname: a('mixed'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(a('mixed'), 100, 80, `mixed-0.east.${a('mixed')}`)],
    additional: [rr(`mixed-0.east.${a('mixed')}`, 'A', '10.1.0.11')],
  },
  {
    name: '_port._proto SRV of a port the local cluster does not serve: every cluster\'s',
    qname: `_metrics._tcp.${a('mixed')}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(`_metrics._tcp.${a('mixed')}`, 100, 9090, `mixed-0.west.${a('mixed')}`)],
    additional: [rr(`mixed-0.west.${a('mixed')}`, 'A', '10.2.0.11')],
  },
  {
    name: '_port._proto SRV of a port the local cluster serves: only its',
    qname: `_http._tcp.${a('mixed')}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(`_http._tcp.${a('mixed')}`, 100, 80, `mixed-0.east.${a('mixed')}`)],
    additional: [rr(`mixed-0.east.${a('mixed')}`, 'A', '10.1.0.11')],
  },
];

/** Without a local cluster (or with one that has no endpoint): every cluster's, as always. */
const everyClusterCases: Case[] = [
  { name: 'A: every cluster\'s', qname: a('db'), qtype: 'A', rcode: 'NOERROR', answer: [rr(a('db'), 'A', '10.1.0.1'), rr(a('db'), 'A', '10.2.0.1')] },
  { name: 'AAAA: every cluster\'s', qname: a('db'), qtype: 'AAAA', rcode: 'NOERROR', answer: [rr(a('db'), 'AAAA', 'fd00:2::1')] },
  {
    name: 'SRV: every cluster\'s targets',
    qname: a('db'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(a('db'), 50, 5432, db0east), srv(a('db'), 50, 5432, db0west)],
    additional: [rr(db0east, 'A', '10.1.0.1'), rr(db0west, 'A', '10.2.0.1'), rr(db0west, 'AAAA', 'fd00:2::1')],
  },
  { name: 'A of api', qname: a('api'), qtype: 'A', rcode: 'NOERROR', answer: [rr(a('api'), 'A', '10.2.0.7')] },
  { name: 'AAAA of api', qname: a('api'), qtype: 'AAAA', rcode: 'NOERROR', answer: [rr(a('api'), 'AAAA', 'fd00:1::7'), rr(a('api'), 'AAAA', 'fd00:2::7')] },
  {
    name: 'SRV of api',
    qname: a('api'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(a('api'), 50, 9000, api0east), srv(a('api'), 50, 9000, api0west)],
    additional: [rr(api0east, 'AAAA', 'fd00:1::7'), rr(api0west, 'A', '10.2.0.7'), rr(api0west, 'AAAA', 'fd00:2::7')],
  },
  {
    name: 'SRV for all ports of mixed',
    qname: a('mixed'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [
      srv(a('mixed'), 33, 80, `mixed-0.east.${a('mixed')}`),
      srv(a('mixed'), 33, 80, `mixed-0.west.${a('mixed')}`),
      srv(a('mixed'), 33, 9090, `mixed-0.west.${a('mixed')}`),
    ],
    additional: [rr(`mixed-0.east.${a('mixed')}`, 'A', '10.1.0.11'), rr(`mixed-0.west.${a('mixed')}`, 'A', '10.2.0.11')],
  },
];

/** Answers no local cluster changes: they hold in every configuration. */
const unchangedCases: Case[] = [
  { name: 'no slice from the local cluster: every cluster\'s A', qname: a('queue'), qtype: 'A', rcode: 'NOERROR', answer: [rr(a('queue'), 'A', '10.2.0.9'), rr(a('queue'), 'A', '10.3.0.9')] },
  {
    name: 'no slice from the local cluster: every cluster\'s SRV',
    qname: a('queue'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(a('queue'), 50, 5672, `queue-0.north.${a('queue')}`), srv(a('queue'), 50, 5672, `queue-0.west.${a('queue')}`)],
    additional: [rr(`queue-0.north.${a('queue')}`, 'A', '10.3.0.9'), rr(`queue-0.west.${a('queue')}`, 'A', '10.2.0.9')],
  },
  { name: 'A of cache', qname: a('cache'), qtype: 'A', rcode: 'NOERROR', answer: [rr(a('cache'), 'A', '10.2.0.5')] },
  { name: 'per-pod name in another cluster, A', qname: db0west, qtype: 'A', rcode: 'NOERROR', answer: [rr(db0west, 'A', '10.2.0.1')] },
  { name: 'per-pod name in another cluster, AAAA', qname: db0west, qtype: 'AAAA', rcode: 'NOERROR', answer: [rr(db0west, 'AAAA', 'fd00:2::1')] },
  { name: 'per-pod name in the local cluster', qname: db0east, qtype: 'A', rcode: 'NOERROR', answer: [rr(db0east, 'A', '10.1.0.1')] },
  { name: 'a not-ready pod has no name', qname: `db-1.east.${a('db')}`, qtype: 'A', rcode: 'NXDOMAIN', authority: [SOA] },
  { name: 'ClusterSetIP A: the one virtual IP', qname: a('web'), qtype: 'A', rcode: 'NOERROR', answer: [rr(a('web'), 'A', '10.96.0.10')] },
  {
    name: 'ClusterSetIP SRV: the service name',
    qname: a('web'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [srv(a('web'), 100, 80, a('web'))],
    additional: [rr(a('web'), 'A', '10.96.0.10')],
  },
  { name: 'per-pod name of a ClusterSetIP service in another cluster', qname: `10-2-0-20.west.${a('web')}`, qtype: 'A', rcode: 'NOERROR', answer: [rr(`10-2-0-20.west.${a('web')}`, 'A', '10.2.0.20')] },
  { name: 'PTR of another cluster\'s endpoint', qname: '1.0.2.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: [`1.0.2.10.in-addr.arpa. 5 IN PTR ${db0west}`] },
  { name: 'TXT dns-version', qname: `dns-version.${Z}`, qtype: 'TXT', rcode: 'NOERROR', answer: [`dns-version.${Z} 28800 IN TXT "1.1.0"`] },
  { name: 'TXT of a headless service is NODATA', qname: a('db'), qtype: 'TXT', rcode: 'NOERROR', authority: [SOA] },
];

const corefile = (option: string): string =>
  `clusterset.local in-addr.arpa {\n  multicluster clusterset.local in-addr.arpa {\n    objects objects.yaml\n${option === '' ? '' : `    ${option}\n`}  }\n}\n`;

interface Setup {
  readonly name: string;
  readonly option: string;
  readonly objects: string;
}

const localSetups: Setup[] = [
  { name: 'local_cluster east', option: 'local_cluster east', objects: fixture },
  { name: 'local_cluster, ClusterProperty east in the objects file', option: 'local_cluster', objects: fixture + clusterProperty('east') },
];

const everyClusterSetups: Setup[] = [
  { name: 'no local_cluster', option: '', objects: fixture },
  { name: 'no local_cluster, a ClusterProperty in the objects file', option: '', objects: fixture + clusterProperty('east') },
  { name: 'local_cluster, no ClusterProperty in the objects file', option: 'local_cluster', objects: fixture },
  { name: 'local_cluster south (no endpoints there)', option: 'local_cluster south', objects: fixture },
];

const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
});

async function started(setup: { option: string; objects: string }): Promise<Harness> {
  const h = makeHarness({ corefile: corefile(setup.option), files: { 'objects.yaml': setup.objects } });
  harnesses.push(h);
  await h.start();
  return h;
}

describe.each(localSetups)('local cluster first: $name', (setup) => {
  let h: Harness;
  beforeAll(async () => {
    h = await started(setup);
  });
  it.each([...localCases, ...unchangedCases])('$name: $qname $qtype -> $rcode', async (c) => check(h, c));
});

describe.each(everyClusterSetups)('every cluster alike: $name', (setup) => {
  let h: Harness;
  beforeAll(async () => {
    h = await started(setup);
  });
  it.each([...everyClusterCases, ...unchangedCases])('$name: $qname $qtype -> $rcode', async (c) => check(h, c));
});

describe('local_cluster read from the objects file', () => {
  async function addresses(h: Harness, name: string): Promise<string> {
    return (await h.ask(name, 'A')).answer.map((l) => l.split(' ').at(-1)).join(' ');
  }

  /** Polls (bounded) until the A answer of `name` lists `expected`: the file watch applies edits within a second. */
  async function follows(h: Harness, name: string, expected: string): Promise<void> {
    const deadline = Date.now() + 5000;
    let last = '';
    while ((last = await addresses(h, name)) !== expected) {
      if (Date.now() > deadline) throw new Error(`${name} A: still '${last}', expected '${expected}'`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('follows edits of the ClusterProperty: another cluster, then none', async () => {
    const h = await started({ option: 'local_cluster', objects: fixture + clusterProperty('east') });
    expect(await addresses(h, a('db'))).toBe('10.1.0.1');
    writeFileSync(join(h.dir, 'objects.yaml'), fixture + clusterProperty('west'));
    await follows(h, a('db'), '10.2.0.1');
    // A cluster without ready IPv4 endpoints of cache before, one with them now.
    expect(await addresses(h, a('cache'))).toBe('10.2.0.5');
    expect(await addresses(h, a('web'))).toBe('10.96.0.10');
    writeFileSync(join(h.dir, 'objects.yaml'), fixture);
    await follows(h, a('db'), '10.1.0.1 10.2.0.1');
  });

  it('answers over a real socket (node:dns Resolver) with the local cluster first', async () => {
    const h = makeHarness({ corefile: corefile('local_cluster east'), files: { 'objects.yaml': fixture } });
    harnesses.push(h);
    const port = await h.serve();
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    expect(await resolver.resolve4(a('db').slice(0, -1))).toEqual(['10.1.0.1']);
    expect(await resolver.resolve6(a('db').slice(0, -1))).toEqual(['fd00:2::1']);
    const srvs = await resolver.resolveSrv(a('db').slice(0, -1));
    expect(srvs.map((r) => `${r.priority} ${r.weight} ${r.port} ${r.name}`)).toEqual([`0 100 5432 ${db0east.slice(0, -1)}`]);
    expect((await resolver.resolve4(a('queue').slice(0, -1))).sort()).toEqual(['10.2.0.9', '10.3.0.9']);
  });
});
