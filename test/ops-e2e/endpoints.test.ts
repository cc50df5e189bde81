// /health, /ready and /metrics of a real clusterset-dns process: health while serving, ready
// flipping from 503 "multicluster" to 200 when the objects source delivers its first data, and
// CoreDNS's metric names and label values moving with real dig queries; the query log lines.

import { execFileSync } from 'node:child_process';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dig } from '../support/dig.js';
import { freePorts, httpGet, LiveServer, opsCorefile, probe, SAMPLE_OBJECTS, sleep, udpQuery, valueOf, type Ports } from './live-server.js';

const SERVICE1 = 'service1.provider-ns.svc.clusterset.local';
const ZONE = 'clusterset.local.';

let server: LiveServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

async function launch(ports: Ports): Promise<LiveServer> {
  server = LiveServer.launch({ Corefile: opsCorefile(ports), 'objects.yaml': await readFile(SAMPLE_OBJECTS, 'utf8') });
  await server.listening();
  return server;
}

describe('health and ready endpoints of the live process', () => {
  it('/health is 200 OK while serving; other paths are 404', async () => {
    const ports = await freePorts();
    await launch(ports);
    expect(await httpGet(ports.health, '/health')).toMatchObject({ status: 200, body: 'OK' });
    expect((await httpGet(ports.health, '/nope')).status).toBe(404);
    expect(await httpGet(ports.ready, '/ready')).toMatchObject({ status: 200, body: 'OK' });
    expect((await dig(ports.dns, [SERVICE1])).answer).toEqual([`${SERVICE1}. 5 IN A 10.96.120.15`]);
  });

  it('/ready is 503 naming multicluster until the source has delivered its data, then 200', async () => {
    // The objects file is a FIFO at first: the source's first read waits for a writer, as a
    // Kubernetes source waits for its first list. Nothing is faked inside the process.
    const ports = await freePorts();
    const objects = await readFile(SAMPLE_OBJECTS, 'utf8');
    server = LiveServer.launch({ Corefile: opsCorefile(ports) }, (dir) => execFileSync('mkfifo', [join(dir, 'objects.yaml')]));
    const fifo = join(server.dir, 'objects.yaml');

    let first = await probe(ports.ready, '/ready');
    for (let i = 0; i < 1200 && first.status === 0; i++) {
      await sleep(25);
      first = await probe(ports.ready, '/ready');
    }
    expect(first).toMatchObject({ status: 503, body: 'multicluster' });
    // Still loading a second later: not ready, yet alive (the kubelet must not restart it), and
    // the DNS listeners are not open before the plugins have started.
    await sleep(1000);
    expect(await httpGet(ports.ready, '/ready')).toMatchObject({ status: 503, body: 'multicluster' });
    expect(await httpGet(ports.health, '/health')).toMatchObject({ status: 200 });
    expect(await udpQuery(ports.dns, SERVICE1, 'A', { timeoutMs: 300 })).toBeNull();

    // Deliver the data: open the FIFO for writing (the server's read proceeds), put a regular file
    // in its place for every later read, then write the objects through the FIFO.
    const writer = await open(fifo, 'w');
    await writeFile(`${fifo}.tmp`, objects);
    await rename(`${fifo}.tmp`, fifo);
    await writer.writeFile(objects);
    await writer.close();

    await server.listening();
    let ready = await httpGet(ports.ready, '/ready');
    for (let i = 0; i < 1000 && ready.status !== 200; i++) {
      await sleep(20);
      ready = await httpGet(ports.ready, '/ready');
    }
    expect(ready).toMatchObject({ status: 200, body: 'OK' });
    expect((await dig(ports.dns, [SERVICE1])).answer).toEqual([`${SERVICE1}. 5 IN A 10.96.120.15`]);
  });
});

describe('metrics of the live process', () => {
  it('counters move with real queries and carry CoreDNS label values', async () => {
    const ports = await freePorts();
    const s = await launch(ports);
    const srv = `dns://:${ports.dns}`;
    const base = { server: srv, zone: ZONE, view: '' };

    const before = (await httpGet(ports.metrics, '/metrics')).body;
    expect(valueOf(before, 'coredns_dns_requests_total', base)).toBe(0);

    for (let i = 0; i < 3; i++) expect((await dig(ports.dns, [SERVICE1])).status).toBe('NOERROR');
    for (let i = 0; i < 2; i++) expect((await dig(ports.dns, [`missing.provider-ns.svc.${ZONE}`])).status).toBe('NXDOMAIN');
    expect((await dig(ports.dns, ['+tcp', SERVICE1, 'AAAA'])).status).toBe('NOERROR');
    expect((await dig(ports.dns, [SERVICE1, 'TXT'])).status).toBe('NOERROR');
    const v6 = await udpQuery(ports.dns, SERVICE1, 'A', { host: '::1' });
    expect(v6?.answer).toEqual([`${SERVICE1}. 5 IN A 10.96.120.15`]);

    const text = (await httpGet(ports.metrics, '/metrics')).body;
    const cases: [string, Record<string, string>, number][] = [
      ['coredns_dns_requests_total', { ...base, proto: 'udp', family: '1', type: 'A' }, 5],
      ['coredns_dns_requests_total', { ...base, proto: 'udp', family: '2', type: 'A' }, 1],
      ['coredns_dns_requests_total', { ...base, proto: 'tcp', family: '1', type: 'AAAA' }, 1],
      ['coredns_dns_requests_total', { ...base, proto: 'udp', family: '1', type: 'TXT' }, 1],
      ['coredns_dns_responses_total', { ...base, rcode: 'NOERROR', plugin: 'multicluster' }, 6],
      ['coredns_dns_responses_total', { ...base, rcode: 'NXDOMAIN', plugin: 'multicluster' }, 2],
      ['coredns_dns_request_duration_seconds_count', { ...base, type: 'A' }, 6],
      ['coredns_dns_request_duration_seconds_bucket', { ...base, type: 'A', le: '+Inf' }, 6],
      ['coredns_dns_request_size_bytes_count', { ...base, proto: 'udp' }, 7],
      ['coredns_dns_request_size_bytes_count', { ...base, proto: 'tcp' }, 1],
      ['coredns_dns_response_size_bytes_count', { ...base, proto: 'udp' }, 7],
      ['coredns_dns_response_size_bytes_count', { ...base, proto: 'tcp' }, 1],
      ['coredns_plugin_enabled', { ...base, name: 'multicluster' }, 1],
      ['coredns_plugin_enabled', { ...base, name: 'loadbalance' }, 1],
      ['coredns_plugin_enabled', { ...base, name: 'log' }, 1],
      ['coredns_plugin_enabled', { ...base, name: 'errors' }, 1],
      ['coredns_plugin_enabled', { ...base, name: 'prometheus' }, 1],
      ['coredns_plugin_enabled', { ...base, name: 'health' }, 0],
      ['coredns_build_info', { version: '0.1.0' }, 1],
      ['coredns_panics_total', {}, 0],
      ['coredns_reload_failed_total', {}, 0],
    ];
    for (const [name, labels, want] of cases) expect([name, labels, valueOf(text, name, labels)]).toEqual([name, labels, want]);
    // Everything is labelled with the block's zone and the dns://:PORT server of CoreDNS.
    expect(text).not.toMatch(/coredns_dns_requests_total\{[^}]*zone="(?!clusterset\.local\.)/);

    // The counters move between scrapes by exactly what was asked.
    await dig(ports.dns, [SERVICE1]);
    const after = (await httpGet(ports.metrics, '/metrics')).body;
    expect(valueOf(after, 'coredns_dns_requests_total', { ...base, proto: 'udp', family: '1', type: 'A' })).toBe(6);
    expect(valueOf(after, 'coredns_dns_responses_total', { ...base, rcode: 'NOERROR', plugin: 'multicluster' })).toBe(7);

    // The log plugin wrote one JSON line per query, CoreDNS's common log text as msg.
    await s.waitForLog(() => s.lines.filter((x) => x['plugin'] === 'log').length >= 9, 15_000);
    const logged = s.lines.filter((l) => l['plugin'] === 'log');
    expect(logged).toHaveLength(9);
    const nx = logged.find((l) => l['rcode'] === 'NXDOMAIN')!;
    expect(nx).toMatchObject({ level: 30, name: `missing.provider-ns.svc.${ZONE}`, type: 'A', class: 'IN', proto: 'udp', remote: '127.0.0.1' });
    expect(nx.msg).toMatch(/^127\.0\.0\.1:\d+ - \d+ "A IN missing\.provider-ns\.svc\.clusterset\.local\. udp \d+ false 1232" NXDOMAIN qr,aa,rd \d+ [\d.e-]+s$/);
    expect(logged.find((l) => l['remote'] === '::1')).toMatchObject({ proto: 'udp', rcode: 'NOERROR' });
  });
});
