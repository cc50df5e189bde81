// The zone over real UDP and TCP sockets, asked by independent clients: Node's dns.Resolver
// (c-ares), Debian's dig, and the dns2 package's UDP and TCP clients.

import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import dns2 from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../support/dig.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { headlessImportYaml } from '../support/objects-yaml.js';

const fixture = readFileSync(new URL('../fixtures/behaviour.yaml', import.meta.url), 'utf8');
const Z = 'clusterset.local';
const WEB = `web.apps.svc.${Z}`;
const DB = `db.apps.svc.${Z}`;

function manyEndpoints(n: number): string {
  return headlessImportYaml('wide', Array.from({ length: n }, (_, i) => ({ ip: `10.8.${Math.floor(i / 200)}.${(i % 200) + 1}` })));
}

describe('real clients over real sockets', () => {
  let h: Harness;
  let port: number;
  let resolver: Resolver;
  beforeAll(async () => {
    h = makeHarness({
      corefile: `${Z} in-addr.arpa {\n  multicluster ${Z} in-addr.arpa {\n    objects objects.yaml\n  }\n}\n`,
      files: { 'objects.yaml': `${fixture}\n---\n${manyEndpoints(150)}` },
    });
    port = await h.serve();
    resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
  });
  afterAll(async () => h.stop());

  describe("Node's dns.Resolver (c-ares)", () => {
    it('resolves A and AAAA of a ClusterSetIP import', async () => {
      expect(await resolver.resolve4(WEB)).toEqual(['10.96.0.10']);
      expect(await resolver.resolve6(WEB)).toEqual(['fd00:96::10']);
    });
    it('resolves headless A with TTLs', async () => {
      const rs = await resolver.resolve4(DB, { ttl: true });
      expect(rs.map((r) => `${r.address}/${r.ttl}`).sort()).toEqual(['10.1.0.1/5', '10.2.0.1/5']);
    });
    it('resolves SRV, TXT, PTR and SOA', async () => {
      expect(await resolver.resolveSrv(`_http._tcp.${WEB}`)).toMatchObject([{ name: WEB, port: 80, priority: 0, weight: 100 }]);
      expect(await resolver.resolveTxt(`dns-version.${Z}`)).toEqual([['1.1.0']]);
      expect(await resolver.reverse('10.96.0.10')).toEqual([WEB]);
      const soa = await resolver.resolveSoa(Z);
      expect(soa).toMatchObject({ nsname: `ns.dns.${Z}`, hostmaster: `hostmaster.${Z}`, refresh: 7200, retry: 1800, expire: 86400, minttl: 5 });
    });
    it('reports NXDOMAIN as ENOTFOUND and NODATA as ENODATA', async () => {
      await expect(resolver.resolve4(`nope.apps.svc.${Z}`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
      await expect(resolver.resolve6(`noports.apps.svc.${Z}`)).rejects.toMatchObject({ code: 'ENODATA' });
    });
    it('gets a truncated UDP answer and retries over TCP for all 150 addresses', async () => {
      const addrs = await resolver.resolve4(`wide.apps.svc.${Z}`);
      expect(addrs).toHaveLength(150);
    });
  });

  describe('dig', () => {
    it('answers over UDP with aa and the answer', async () => {
      const r = await dig(port, [WEB, 'A', '+norec']);
      expect(r.status).toBe('NOERROR');
      expect(r.flags).toContain('aa');
      expect(r.answer).toEqual([`${WEB}. 5 IN A 10.96.0.10`]);
      expect(r.raw).not.toContain('COOKIE'); // dig's cookie option is not echoed
    });
    it('answers over TCP', async () => {
      const r = await dig(port, ['+tcp', `_pg._tcp.${DB}`, 'SRV']);
      expect(r.answer).toEqual([`_pg._tcp.${DB}. 5 IN SRV 0 50 5432 db-0.east.${DB}.`, `_pg._tcp.${DB}. 5 IN SRV 0 50 5432 db-0.west.${DB}.`]);
    });
    it('sees TC without EDNS and the full answer after its TCP retry', async () => {
      const tc = await dig(port, ['+noedns', '+ignore', `wide.apps.svc.${Z}`]);
      expect(tc.flags).toContain('tc');
      const full = await dig(port, ['+noedns', `wide.apps.svc.${Z}`]);
      expect(full.answer).toHaveLength(150);
    });
    it('gets NXDOMAIN, NOTIMP-free status for odd types, REFUSED outside the zone', async () => {
      expect((await dig(port, [`nope.apps.svc.${Z}`])).status).toBe('NXDOMAIN');
      expect((await dig(port, [WEB, 'CAA'])).status).toBe('NOERROR');
      expect((await dig(port, ['example.com'])).status).toBe('REFUSED');
      expect((await dig(port, ['+edns=1', '+noednsneg', WEB])).status).toBe('BADVERS');
    });
    it('keeps the case of a 0x20-style question', async () => {
      const r = await dig(port, ['WeB.ApPs.SvC.ClusterSet.LOCAL', 'A']);
      expect(r.answer).toEqual(['WeB.ApPs.SvC.ClusterSet.LOCAL. 5 IN A 10.96.0.10']);
    });
  });

  describe('dns2 clients', () => {
    it('resolves over UDP', async () => {
      const resolve = dns2.UDPClient({ dns: '127.0.0.1', port });
      const res = await resolve(WEB, 'A');
      expect(res.answers.map((a) => (a as { address?: string }).address)).toEqual(['10.96.0.10']);
    });
    it('resolves over TCP', async () => {
      const resolve = dns2.TCPClient({ dns: '127.0.0.1', port });
      const res = await resolve(DB, 'A');
      expect(res.answers.map((a) => (a as { address?: string }).address).sort()).toEqual(['10.1.0.1', '10.2.0.1']);
    });
  });
});
