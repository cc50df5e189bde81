// A plugin that throws (CoreDNS's panic) inside the real server over real sockets: the query is
// answered SERVFAIL, coredns_panics_total counts it, `errors` logs it, `prometheus` counts the
// query under zone "dropped" as CoreDNS's server does, and the server keeps answering. Nothing in the shipped plugins throws on purpose, so
// a test plugin is put in the chain of blocks built from a real Corefile.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBlocks } from '../../src/cli/build-blocks.js';
import { createObserver } from '../../src/cli/observer.js';
import { loadCorefile } from '../../src/corefile/load.js';
import { composeChain } from '../../src/dns/chain.js';
import type { ServerBlockRuntime } from '../../src/dns/server-block.js';
import { DnsServer } from '../../src/dns/server.js';
import type { Plugin } from '../../src/plugins/plugin.js';
import { writeFiles } from '../support/harness.js';
import { testRuntime } from '../ops/ops-harness.js';
import { freePorts, httpGet, SAMPLE_OBJECTS, stopInProcessServersAfterEach, tcpQuery, udpQuery, valueOf } from './live-server.js';

const SERVICE1 = 'service1.provider-ns.svc.clusterset.local';

/** Throws for sync-boom.*, rejects for async-boom.*, passes everything else on. */
const thrower: Plugin = {
  name: 'thrower',
  serve(req, next) {
    if (req.question.lname.startsWith('sync-boom.')) throw new Error('kaboom (sync)');
    if (req.question.lname.startsWith('async-boom.')) return Promise.reject(new Error('kaboom (async)'));
    return next(req);
  },
};

const stopAfterEach = stopInProcessServersAfterEach();

describe('a plugin that throws', () => {
  it('answers SERVFAIL, counts coredns_panics_total, is logged by errors, and the server lives on', async () => {
    const ports = await freePorts();
    const dir = writeFiles({
      Corefile: `clusterset.local:${ports.dns} {\n  bind 127.0.0.1\n  prometheus 127.0.0.1:${ports.metrics}\n  errors\n  multicluster {\n    objects ${SAMPLE_OBJECTS}\n  }\n}\n`,
    });
    const t = testRuntime();
    const corefilePath = join(dir, 'Corefile');
    const built = buildBlocks(loadCorefile(corefilePath, {}, ports.dns), { corefilePath, dnsPort: ports.dns, runtime: t.runtime });
    // The thrower sits right before multicluster, after prometheus and errors.
    const blocks: ServerBlockRuntime[] = built.map((b) => {
      const plugins = [...b.plugins];
      plugins.splice(plugins.findIndex((p) => p.name === 'multicluster'), 0, thrower);
      return { ...b, plugins, chain: composeChain(plugins) };
    });
    const server = new DnsServer(blocks, createObserver(t.runtime.metrics), t.runtime.logger);
    stopAfterEach(server, () => t.ops.http.stop());
    await server.start();

    const cases = [
      { name: `sync-boom.${SERVICE1}`, send: udpQuery },
      { name: `async-boom.${SERVICE1}`, send: udpQuery },
      { name: `sync-boom.${SERVICE1}`, send: tcpQuery },
      { name: `async-boom.${SERVICE1}`, send: tcpQuery },
    ];
    for (const c of cases) {
      const r = await c.send(ports.dns, c.name, 'A');
      expect([c.name, r?.rcode, r?.answer]).toEqual([c.name, 'SERVFAIL', []]);
      // ... and the next query is answered as usual.
      expect((await c.send(ports.dns, SERVICE1, 'A'))?.answer).toEqual([`${SERVICE1}. 5 IN A 10.96.120.15`]);
    }

    const text = (await httpGet(ports.metrics, '/metrics')).body;
    // The block binds 127.0.0.1, so CoreDNS's server label names that address.
    const base = { server: `dns://127.0.0.1:${ports.dns}`, zone: 'clusterset.local.', view: '' };
    const dropped = { ...base, zone: 'dropped' };
    expect(valueOf(text, 'coredns_panics_total')).toBe(4);
    expect(valueOf(text, 'coredns_dns_responses_total', { ...dropped, rcode: 'SERVFAIL', plugin: '' })).toBe(4);
    expect(valueOf(text, 'coredns_dns_responses_total', { ...base, rcode: 'SERVFAIL', plugin: '' })).toBe(0);
    expect(valueOf(text, 'coredns_dns_responses_total', { ...base, rcode: 'NOERROR', plugin: 'multicluster' })).toBe(4);
    expect(valueOf(text, 'coredns_dns_requests_total', { ...base, proto: 'tcp', family: '1', type: 'A' })).toBe(2);
    expect(valueOf(text, 'coredns_dns_requests_total', { ...dropped, proto: 'tcp', family: '1', type: 'A' })).toBe(2);

    const errors = t.lines.filter((l) => l['plugin'] === 'errors').map((l) => l['msg']);
    expect(errors).toEqual([
      `2 sync-boom.${SERVICE1}. A: kaboom (sync)`,
      `2 async-boom.${SERVICE1}. A: kaboom (async)`,
      `2 sync-boom.${SERVICE1}. A: kaboom (sync)`,
      `2 async-boom.${SERVICE1}. A: kaboom (async)`,
    ]);
    expect(t.lines.filter((l) => l['msg'] === 'plugin failed; answered SERVFAIL')).toHaveLength(4);
  });
});
