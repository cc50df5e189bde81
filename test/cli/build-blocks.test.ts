// Server blocks from a Corefile: plugins in plugin.cfg order whatever the listing order, zone
// routing by longest suffix among the blocks on a port, and the block-level errors.

import { afterAll, describe, expect, it } from 'vitest';
import { ZoneRouter } from '../../src/dns/router.js';
import { DnsServer } from '../../src/dns/server.js';
import { makeHarness, type Harness } from '../support/harness.js';

const objects = `apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: web, namespace: apps}
spec: {ips: [10.96.0.10]}
`;

describe('building server blocks', () => {
  const started: Harness[] = [];
  afterAll(async () => {
    for (const h of started) await h.stop();
  });

  it('runs plugins in CoreDNS plugin.cfg order whatever order the Corefile lists them', () => {
    const h = makeHarness({
      corefile: `clusterset.local {\n  forward . 127.0.0.1:1\n  multicluster {\n    objects objects.yaml\n  }\n  loadbalance\n  cache 30\n  errors\n  log\n}\n`,
      files: { 'objects.yaml': objects },
    });
    expect(h.blocks[0]!.plugins.map((p) => p.name)).toEqual(['errors', 'log', 'loadbalance', 'cache', 'multicluster', 'forward']);
  });

  it('routes each name to the block with the longest matching zone, REFUSED when none', async () => {
    const h = makeHarness({
      corefile: [
        'clusterset.local {\n  multicluster {\n    objects objects.yaml\n    ttl 10\n  }\n}',
        'east.clusterset.local {\n  multicluster {\n    objects objects.yaml\n    ttl 20\n  }\n}',
      ].join('\n'),
      files: { 'objects.yaml': objects },
    });
    started.push(h);
    await h.start();
    expect((await h.ask('web.apps.svc.clusterset.local', 'A')).answer).toEqual(['web.apps.svc.clusterset.local. 10 IN A 10.96.0.10']);
    expect((await h.ask('web.apps.svc.east.clusterset.local', 'A')).answer).toEqual(['web.apps.svc.east.clusterset.local. 20 IN A 10.96.0.10']);
    // `eastern.clusterset.local` is not under `east.clusterset.local`: label boundaries count.
    const other = await h.ask('eastern.clusterset.local', 'A');
    expect(other.authority[0]).toMatch(/^clusterset\.local\. 10 IN SOA/);
    expect((await h.ask('example.org', 'A')).rcode).toBe('REFUSED');
    const router = new ZoneRouter(h.blocks);
    expect(router.route('a.east.clusterset.local.')?.zone).toBe('east.clusterset.local.');
    expect(router.route('clusterset.local.')?.zone).toBe('clusterset.local.');
    expect(router.route('local.')).toBeNull();
  });

  it('listens per port and per bind address', () => {
    const h = makeHarness({
      corefile: 'a.local:1053 {\n  bind 127.0.0.1 ::1\n}\nb.local:1053 {\n  bind 127.0.0.1\n}\nc.local:2053 {\n}\n',
    });
    const plan = DnsServer.listenPlan(h.blocks).map((e) => `${e.address || '*'}:${e.port} ${e.blocks.flatMap((b) => b.zones).join(',')}`);
    expect(plan.sort()).toEqual(['*:2053 c.local.', '127.0.0.1:1053 a.local.,b.local.', '::1:1053 a.local.']);
  });

  it.each([
    ['a directive given twice', 'clusterset.local {\n  bind 127.0.0.1\n  bind ::1\n}\n', ":3: 'bind' can only be used once per server block"],
    ['an unknown directive', 'clusterset.local {\n  kubernetes cluster.local\n}\n', ":2: unknown directive 'kubernetes'"],
    ['bind to a name', 'clusterset.local {\n  bind eth0\n}\n', ":2: 'bind': 'eth0' is not an IP address"],
    ['multicluster with only reverse zones', 'in-addr.arpa {\n  multicluster\n}\n', ':2:'],
    ['objects and kubeconfig together', 'clusterset.local {\n  multicluster {\n    objects a.yaml\n    kubeconfig k\n  }\n}\n', ':2:'],
    ['a repeated multicluster option', 'clusterset.local {\n  multicluster {\n    ttl 5\n    ttl 6\n  }\n}\n', ':4:'],
  ])('rejects %s with file and line', (_name, corefile, where) => {
    expect(() => makeHarness({ corefile })).toThrow(where);
  });
});
