// The built clusterset-dns program, read from outside as CoreDNS would be: a query whose plugin
// throws is answered SERVFAIL and counted under zone="dropped" on /metrics (CoreDNS's server
// reports recovered panics there), and the query log's {rflags} carry `ra` exactly when the reply
// on the wire has it: from the upstream through forward, never added to zone answers, as CoreDNS.
// Nothing shipped throws on purpose, so node preloads a test hook (`--import`) into the program that
// makes the multicluster plugin throw for names starting with sync-boom. or async-boom.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dig } from '../support/dig.js';
import { FakeUpstream, answering } from '../support/fake-upstream.js';
import { BIN, LiveServer, SAMPLE_OBJECTS, freePorts, httpGet, valueOf } from './live-server.js';

const SERVICE1 = 'service1.provider-ns.svc.clusterset.local';
const PLUGIN_MODULE = pathToFileURL(join(BIN, '../../plugins/multicluster/plugin.js')).href;

const HOOK = `import { MulticlusterPlugin } from ${JSON.stringify(PLUGIN_MODULE)};
const serve = MulticlusterPlugin.prototype.serve;
MulticlusterPlugin.prototype.serve = function (req, next) {
  if (req.question.lname.startsWith('sync-boom.')) throw new Error('kaboom (sync)');
  if (req.question.lname.startsWith('async-boom.')) return Promise.reject(new Error('kaboom (async)'));
  return serve.call(this, req, next);
};
`;

let server: LiveServer | null = null;
let upstream: FakeUpstream | null = null;
afterEach(async () => {
  await server?.stop();
  await upstream?.stop();
  server = null;
  upstream = null;
});

describe('panics and {rflags} read from the live program', () => {
  it('counts a thrown plugin under zone="dropped" and logs ra only where the wire has it', async () => {
    // A recursive upstream: it sets RA, as resolvers do.
    upstream = await FakeUpstream.start(answering((q) => ({ answers: q.type === 1 ? [{ type: 'A', name: q.name, ttl: 60, data: '192.0.2.99' }] : [], flags: 0x80 })));
    const ports = await freePorts();
    const corefile = [
      `.:${ports.dns} {`,
      '  bind 127.0.0.1',
      `  prometheus 127.0.0.1:${ports.metrics}`,
      '  log',
      '  errors',
      '  multicluster clusterset.local {',
      `    objects ${SAMPLE_OBJECTS}`,
      '  }',
      `  forward . ${upstream.address}`,
      '}',
      '',
    ].join('\n');
    server = LiveServer.launch({ Corefile: corefile }, (dir) => writeFileSync(join(dir, 'hook.mjs'), HOOK), ['--import', './hook.mjs']);
    await server.listening();

    for (const [name, proto] of [[`sync-boom.${SERVICE1}`, '+notcp'], [`async-boom.${SERVICE1}`, '+tcp']] as const) {
      expect((await dig(ports.dns, [name, 'A', proto])).status).toBe('SERVFAIL');
    }
    const zone = await dig(ports.dns, [SERVICE1, 'A']);
    const forwarded = await dig(ports.dns, ['www.example.org', 'A']);
    expect([zone.status, zone.flags.includes('ra')]).toEqual(['NOERROR', false]);
    expect([forwarded.status, forwarded.flags.includes('ra')]).toEqual(['NOERROR', true]);

    const text = (await httpGet(ports.metrics, '/metrics')).body;
    const server_ = `dns://127.0.0.1:${ports.dns}`;
    const dropped = { server: server_, zone: 'dropped', view: '' };
    expect(valueOf(text, 'coredns_panics_total')).toBe(2);
    expect(valueOf(text, 'coredns_dns_responses_total', { ...dropped, rcode: 'SERVFAIL', plugin: '' })).toBe(2);
    expect(valueOf(text, 'coredns_dns_requests_total', { ...dropped, proto: 'udp', family: '1', type: 'A' })).toBe(1);
    expect(valueOf(text, 'coredns_dns_requests_total', { ...dropped, proto: 'tcp', family: '1', type: 'A' })).toBe(1);
    // Nothing of the failed queries under the block's zone.
    expect(valueOf(text, 'coredns_dns_responses_total', { server: server_, zone: '.', view: '', rcode: 'SERVFAIL', plugin: '' })).toBe(0);
    expect(valueOf(text, 'coredns_dns_responses_total', { server: server_, zone: '.', view: '', rcode: 'NOERROR', plugin: 'forward' })).toBe(1);

    const queryLine = (name: string) => server!.waitForLog((l) => l['name'] === `${name}.` && typeof l['rflags'] === 'string');
    const zoneLine = await queryLine(SERVICE1);
    const forwardLine = await queryLine('www.example.org');
    expect([zoneLine['rflags'], forwardLine['rflags']]).toEqual(['qr,aa,rd', 'qr,rd,ra']);
    // The common log format's text carries the same flags.
    expect(forwardLine.msg).toContain(' NOERROR qr,rd,ra ');
  });
});
