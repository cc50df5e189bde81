// CoreDNS's `server` label is the listen address of the server that took the query: a block with
// `bind 127.0.0.1 ::1` is two servers, dns://127.0.0.1:PORT and dns://[::1]:PORT, and a block
// without bind is dns://:PORT. Real server, real sockets, labels read back from /metrics.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBlocks } from '../../src/cli/build-blocks.js';
import { createObserver } from '../../src/cli/observer.js';
import { loadCorefile } from '../../src/corefile/load.js';
import { DnsServer } from '../../src/dns/server.js';
import { writeFiles } from '../support/harness.js';
import { testRuntime } from '../ops/ops-harness.js';
import { freePorts, httpGet, SAMPLE_OBJECTS, stopInProcessServersAfterEach, udpQuery, valueOf } from './live-server.js';

const ZONE = 'clusterset.local.';
const SERVICE1 = 'service1.provider-ns.svc.clusterset.local';

const stopAfterEach = stopInProcessServersAfterEach();

async function serve(bind: string, dnsPort: number, metricsPort: number): Promise<void> {
  const dir = writeFiles({
    Corefile: `clusterset.local:${dnsPort} {\n${bind}  prometheus 127.0.0.1:${metricsPort}\n  multicluster {\n    objects ${SAMPLE_OBJECTS}\n  }\n}\n`,
  });
  const t = testRuntime();
  const corefilePath = join(dir, 'Corefile');
  const blocks = buildBlocks(loadCorefile(corefilePath, {}, dnsPort), { corefilePath, dnsPort, runtime: t.runtime });
  const server = new DnsServer(blocks, createObserver(t.runtime.metrics), t.runtime.logger);
  stopAfterEach(server, () => t.ops.http.stop());
  await server.start();
}

describe('the server label', () => {
  it('names each bind address a query arrived on, IPv6 in brackets', async () => {
    const ports = await freePorts();
    await serve('  bind 127.0.0.1 ::1\n', ports.dns, ports.metrics);
    for (let i = 0; i < 3; i++) expect((await udpQuery(ports.dns, SERVICE1, 'A'))?.rcode).toBe('NOERROR');
    for (let i = 0; i < 2; i++) expect((await udpQuery(ports.dns, SERVICE1, 'A', { host: '::1' }))?.rcode).toBe('NOERROR');
    const text = (await httpGet(ports.metrics, '/metrics')).body;
    const v4 = { server: `dns://127.0.0.1:${ports.dns}`, zone: ZONE, view: '' };
    const v6 = { server: `dns://[::1]:${ports.dns}`, zone: ZONE, view: '' };
    const cases: [string, Record<string, string>, number][] = [
      ['coredns_dns_requests_total', { ...v4, proto: 'udp', family: '1', type: 'A' }, 3],
      ['coredns_dns_requests_total', { ...v6, proto: 'udp', family: '2', type: 'A' }, 2],
      ['coredns_dns_responses_total', { ...v4, rcode: 'NOERROR', plugin: 'multicluster' }, 3],
      ['coredns_dns_responses_total', { ...v6, rcode: 'NOERROR', plugin: 'multicluster' }, 2],
      ['coredns_plugin_enabled', { ...v4, name: 'multicluster' }, 1],
      ['coredns_plugin_enabled', { ...v6, name: 'multicluster' }, 1],
    ];
    for (const [name, labels, want] of cases) expect([name, labels, valueOf(text, name, labels)]).toEqual([name, labels, want]);
    expect(text).not.toContain(`server="dns://:${ports.dns}"`);
  });

  it('is dns://:PORT for a block without bind', async () => {
    const ports = await freePorts();
    await serve('', ports.dns, ports.metrics);
    expect((await udpQuery(ports.dns, SERVICE1, 'A'))?.rcode).toBe('NOERROR');
    const text = (await httpGet(ports.metrics, '/metrics')).body;
    expect(valueOf(text, 'coredns_dns_requests_total', { server: `dns://:${ports.dns}`, zone: ZONE, view: '', proto: 'udp', family: '1', type: 'A' })).toBe(1);
  });
});
