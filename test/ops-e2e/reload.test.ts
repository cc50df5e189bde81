// Reloading a live clusterset-dns process: a changed Corefile is picked up by `reload` within its
// interval with no failed query in a concurrent UDP+TCP query loop; a broken one keeps the running
// config, is logged with file and line and counted in coredns_reload_failed_total; SIGUSR1
// reloads at once, even without `reload`.

import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePorts, httpGet, LiveServer, opsCorefile, SAMPLE_OBJECTS, samples, sleep, tcpQuery, udpQuery, valueOf, type Ports } from './live-server.js';

const SERVICE1 = 'service1.provider-ns.svc.clusterset.local';
const answerWithTtl = (ttl: number): string => `${SERVICE1}. ${ttl} IN A 10.96.120.15`;

let server: LiveServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

async function launch(corefile: string): Promise<LiveServer> {
  server = LiveServer.launch({ Corefile: corefile, 'objects.yaml': await readFile(SAMPLE_OBJECTS, 'utf8') });
  await server.listening();
  return server;
}

interface LoopResult {
  /** The TTL of each answer, in the order asked. */
  readonly ttls: number[];
  readonly failures: string[];
}

/**
 * Asks for service1 over UDP and TCP in turn until `until` says so (bounded by count and time);
 * every query must get the one A record, whatever its TTL.
 */
async function queryLoop(port: number, until: (ttls: readonly number[]) => boolean, maxMs: number): Promise<LoopResult> {
  const ttls: number[] = [];
  const failures: string[] = [];
  const deadline = Date.now() + maxMs;
  for (let i = 0; i < 5000 && Date.now() < deadline && !until(ttls); i++) {
    const proto = i % 2 === 0 ? 'udp' : 'tcp';
    const r = proto === 'udp' ? await udpQuery(port, SERVICE1, 'A') : await tcpQuery(port, SERVICE1, 'A');
    const ttl = Number(r?.answer[0]?.split(' ')[1]);
    if (r === null || r.rcode !== 'NOERROR' || r.answer.length !== 1 || r.answer[0] !== answerWithTtl(ttl)) {
      failures.push(`${proto} #${i}: ${r === null ? 'no reply' : `${r.rcode} ${r.answer.join(', ')}`}`);
    } else {
      ttls.push(ttl);
    }
    await sleep(10);
  }
  return { ttls, failures };
}

const metricsText = async (ports: Ports): Promise<string> => (await httpGet(ports.metrics, '/metrics')).body;

describe('reload of the live process', () => {
  it('applies a changed Corefile at a reload check without failing a query', async () => {
    const ports = await freePorts();
    const s = await launch(opsCorefile(ports, { ttl: 5 }));
    const before = await metricsText(ports);
    const hashBefore = valueOf(before, 'coredns_reload_info', { hash: 'sha512' });
    expect(hashBefore).toBe(1);

    // Some answers under the old config first, then the edit, while the loop keeps asking.
    const loop = queryLoop(ports.dns, (ttls) => ttls.length > 20 && ttls[ttls.length - 1] === 30 && ttls.filter((t) => t === 30).length >= 20, 30_000);
    await sleep(200);
    const from = s.lines.length;
    s.writeFile('Corefile', opsCorefile(ports, { ttl: 30 }));
    const reloaded = await s.waitForLog((l) => l.msg === 'configuration reloaded' && l['component'] === 'reload', 15_000, from);
    const { ttls, failures } = await loop;
    expect(failures).toEqual([]);
    expect(ttls[0]).toBe(5);
    // One switch from the old answers to the new ones, never back.
    const switchAt = ttls.indexOf(30);
    expect(switchAt).toBeGreaterThan(0);
    expect(ttls.slice(0, switchAt).every((t) => t === 5)).toBe(true);
    expect(ttls.slice(switchAt).every((t) => t === 30)).toBe(true);

    const after = await metricsText(ports);
    expect(valueOf(after, 'coredns_reload_failed_total')).toBe(0);
    const hashes = samples(after, 'coredns_reload_info').map((x) => x.labels['value']);
    expect(hashes).toHaveLength(1);
    expect(hashes[0]).toBe(reloaded['sha512']);
    // The operations endpoints survived the swap of the plugins that hold them.
    expect((await httpGet(ports.health, '/health')).status).toBe(200);
    expect((await httpGet(ports.ready, '/ready')).status).toBe(200);
  });

  it('keeps serving the running config when the new Corefile is broken, logs why and counts it', async () => {
    const ports = await freePorts();
    const s = await launch(opsCorefile(ports, { ttl: 5 }));
    const from = s.lines.length;
    // Line 13 of the new text: an unknown directive.
    s.writeFile('Corefile', opsCorefile(ports, { ttl: 30, extra: '  frobnicate' }));
    const failed = await s.waitForLog((l) => l['component'] === 'reload' && l['level'] === 50, 15_000, from);
    expect(failed.msg).toContain(`${s.dir}/Corefile:13: unknown directive 'frobnicate'`);
    expect(failed.msg).toContain('keeping the running one');

    // Still the old answers, over both transports, and everything else still up.
    expect((await udpQuery(ports.dns, SERVICE1, 'A'))?.answer).toEqual([answerWithTtl(5)]);
    expect((await tcpQuery(ports.dns, SERVICE1, 'A'))?.answer).toEqual([answerWithTtl(5)]);
    expect((await httpGet(ports.ready, '/ready')).status).toBe(200);
    expect(valueOf(await metricsText(ports), 'coredns_reload_failed_total')).toBe(1);

    // The same broken text is not retried on the next polls; fixing it applies the fix.
    await sleep(2600);
    expect(valueOf(await metricsText(ports), 'coredns_reload_failed_total')).toBe(1);
    const fixFrom = s.lines.length;
    s.writeFile('Corefile', opsCorefile(ports, { ttl: 30 }));
    await s.waitForLog((l) => l.msg === 'configuration reloaded' && l['component'] === 'reload', 15_000, fixFrom);
    expect((await udpQuery(ports.dns, SERVICE1, 'A'))?.answer).toEqual([answerWithTtl(30)]);
  });

  it('SIGUSR1 reloads at once, without the reload plugin; a broken file is counted', async () => {
    const ports = await freePorts();
    const noReload = (ttl: number): string => opsCorefile(ports, { ttl }).replace('  reload 2s 1s\n', '');
    const s = await launch(noReload(5));
    expect(s.lines.some((l) => l.msg === 'configuration reloaded')).toBe(false);

    // Without `reload` nothing polls: the edit alone changes nothing.
    s.writeFile('Corefile', noReload(30));
    await sleep(300);
    expect((await udpQuery(ports.dns, SERVICE1, 'A'))?.answer).toEqual([answerWithTtl(5)]);

    const from = s.lines.length;
    s.signal('SIGUSR1');
    await s.waitForLog((l) => l.msg === 'configuration reloaded' && l['component'] === 'reload', 15_000, from);
    expect((await udpQuery(ports.dns, SERVICE1, 'A'))?.answer).toEqual([answerWithTtl(30)]);

    const badFrom = s.lines.length;
    s.writeFile('Corefile', noReload(30).replace('ttl 30', 'ttl 99999'));
    s.signal('SIGUSR1');
    await s.waitForLog((l) => l['component'] === 'reload' && l['level'] === 50, 15_000, badFrom);
    expect(valueOf(await metricsText(ports), 'coredns_reload_failed_total')).toBe(1);
    expect((await udpQuery(ports.dns, SERVICE1, 'A'))?.answer).toEqual([answerWithTtl(30)]);
    expect(s.exitCode).toBeNull();
  });
});
