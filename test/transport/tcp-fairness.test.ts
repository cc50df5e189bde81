// TCP fairness through real sockets (RFC 7766 §6.2.3): one client holding 1,200 idle connections,
// or 200 clients each stalling half a query on 5 connections (the whole listener), and another
// client's query is still answered. The timeouts are set to a minute here, so that no slot is
// freed by a timeout: the caps and the closing of the connection idle longest do it.

import type net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, encodeQuery } from '../support/dns-format.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { closed, connect, frame, readFrames } from '../support/tcp-client.js';

const fixture = readFileSync(new URL('../fixtures/behaviour.yaml', import.meta.url), 'utf8');
const WEB = 'web.apps.svc.clusterset.local';
const corefile = (extra = ''): string => `clusterset.local {\n${extra}  multicluster {\n    objects objects.yaml\n  }\n}\n`;
const LONG = { readMs: 60_000, idleMs: 60_000, writeMs: 60_000 };

let h: Harness | null = null;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await h?.stop();
  h = null;
});

async function metric(name: string): Promise<string[]> {
  return (await h!.runtime.metrics.getSingleMetricAsString(name)).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not reached: ${what}`);
}

/** Opens `n` connections from `localAddress`, `batch` at a time, counting those the server closes. */
async function hold(port: number, localAddress: string, n: number, onOpen: (s: net.Socket) => void = () => undefined): Promise<{ closedByServer: () => number }> {
  let count = 0;
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect(port, localAddress)));
    for (const s of batch) {
      sockets.push(s);
      s.once('close', () => count++);
      onOpen(s);
    }
  }
  return { closedByServer: () => count };
}

async function askOverTcp(port: number, localAddress: string): Promise<string> {
  const s = await connect(port, localAddress);
  sockets.push(s);
  s.write(frame(encodeQuery(WEB, 'A', { id: 4242 })));
  const [reply] = await readFrames(s, 1);
  if (reply === undefined) return 'no reply';
  const d = decode(reply);
  return `${d.id} ${d.rcode} ${d.answer.join(',')}`;
}

describe('TCP fairness', () => {
  it('one client opening 1,200 idle connections holds at most 100; another client is answered', async () => {
    h = makeHarness({ corefile: corefile(), files: { 'objects.yaml': fixture } });
    const port = await h.serve({ tcp: LONG });
    const hog = await hold(port, '127.0.0.1', 1200);
    // Each connection past its 100th closed the hog's own connection idle longest.
    await until('the hog is down to 100 connections', () => hog.closedByServer() === 1100);
    expect(await metric('clusterset_dns_tcp_connections')).toEqual(['clusterset_dns_tcp_connections 100']);
    expect(await askOverTcp(port, '127.0.0.2')).toBe(`4242 NOERROR ${WEB}. 5 IN A 10.96.0.10`);
    expect(await metric('clusterset_dns_tcp_connections_closed_total')).toEqual(['clusterset_dns_tcp_connections_closed_total{reason="evicted"} 1100']);
    expect(await metric('clusterset_dns_tcp_connections_refused_total')).toEqual([]);
  });

  it('200 clients stalling half a query on 5 connections each fill the listener; another client is answered', async () => {
    h = makeHarness({ corefile: corefile(), files: { 'objects.yaml': fixture } });
    const port = await h.serve({ tcp: LONG });
    const half = frame(encodeQuery(WEB, 'A')).subarray(0, 12);
    const stallers: { closedByServer: () => number }[] = [];
    for (let c = 1; c <= 200; c++) stallers.push(await hold(port, `127.0.1.${c}`, 5, (s) => s.write(half)));
    await until('1,000 connections open', async () => (await metric('clusterset_dns_tcp_connections'))[0] === 'clusterset_dns_tcp_connections 1000');
    expect(await askOverTcp(port, '127.0.0.3')).toBe(`4242 NOERROR ${WEB}. 5 IN A 10.96.0.10`);
    // Room was made by closing the stalled connection idle longest, one for one.
    expect(await metric('clusterset_dns_tcp_connections_closed_total')).toEqual(['clusterset_dns_tcp_connections_closed_total{reason="evicted"} 1']);
    await until('one staller closed', () => stallers.reduce((n, s) => n + s.closedByServer(), 0) === 1);
    expect(stallers[0]!.closedByServer()).toBe(1); // the first to connect and stall
  });

  it('timeouts { read 1s } closes a connection that sends half a query and stalls', async () => {
    h = makeHarness({ corefile: corefile('  timeouts {\n    read 1s\n  }\n'), files: { 'objects.yaml': fixture } });
    expect(h.blocks[0]!.timeouts).toEqual({ readMs: 1000 });
    const port = await h.serve({ tcp: { idleMs: 60_000, writeMs: 60_000 } });
    const s = await connect(port);
    sockets.push(s);
    s.write(frame(encodeQuery(WEB, 'A')).subarray(0, 7));
    expect(await closed(s, 20_000)).toBe(true);
    expect(await metric('clusterset_dns_tcp_connections_closed_total')).toEqual(['clusterset_dns_tcp_connections_closed_total{reason="read_timeout"} 1']);
  });

  it('timeouts { idle 1s } closes a connection that asked and then stays silent', async () => {
    h = makeHarness({ corefile: corefile('  timeouts {\n    idle 1s\n    write 2s\n  }\n'), files: { 'objects.yaml': fixture } });
    expect(h.blocks[0]!.timeouts).toEqual({ idleMs: 1000, writeMs: 2000 });
    const port = await h.serve({ tcp: { readMs: 60_000 } });
    const s = await connect(port);
    sockets.push(s);
    s.write(frame(encodeQuery(WEB, 'A')));
    expect(await readFrames(s, 1)).toHaveLength(1);
    expect(await closed(s, 20_000)).toBe(true);
    expect(await metric('clusterset_dns_tcp_connections_closed_total')).toEqual(['clusterset_dns_tcp_connections_closed_total{reason="idle_timeout"} 1']);
  });

  it.each([
    ['  timeouts\n', ":2: 'timeouts': a timeouts block with no timeouts specified"],
    ['  timeouts {\n  }\n', ":2: 'timeouts': a timeouts block with no timeouts specified"],
    ['  timeouts 5s {\n    read 1s\n  }\n', ":2: wrong argument count or unexpected line ending after 'timeouts': expected 0 arguments, got 1"],
    ['  timeouts {\n    read 500ms\n  }\n', ":3: 'read': read timeout 500ms is too short: the minimum is 1s"],
    ['  timeouts {\n    idle 25h\n  }\n', ":3: 'idle': idle timeout 25h is too long: the maximum is 24h"],
    ['  timeouts {\n    write\n  }\n', ":3: wrong argument count or unexpected line ending after 'write': expected 1 argument, got 0"],
    ['  timeouts {\n    max_queries 100\n  }\n', ":3: unknown option 'max_queries' for 'timeouts'"],
  ])('config error: %j', (extra, message) => {
    expect(() => makeHarness({ corefile: corefile(extra), files: { 'objects.yaml': fixture } })).toThrow(message);
  });
});
