// The query log of the live process (stdout, a pipe here), busy enough for its worker thread:
// every answered query has its line, whole, and SIGTERM writes the last of them before
// "stopped"; a reload ends the worker with its configuration, and a quiet log has none.

import dgram from 'node:dgram';
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeQuery } from '../support/dns-format.js';
import { freePort, LiveServer, SAMPLE_OBJECTS, sleep } from './live-server.js';

const SERVICE1 = 'service1.provider-ns.svc.clusterset.local';

let server: LiveServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

function corefile(port: number, ttl = 5): string {
  return `clusterset.local:${port} {\n  bind 127.0.0.1\n  log\n  reload 2s 1s\n  multicluster {\n    objects objects.yaml\n    ttl ${ttl}\n  }\n}\n`;
}

/** Sends `n` queries with ids base+1..base+n, at most 64 unanswered at a time; resolves with the ids answered. */
async function burst(port: number, n: number, base = 0): Promise<Set<number>> {
  const window = 64;
  const sock = dgram.createSocket('udp4');
  const answered = new Set<number>();
  let sent = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${answered.size} of ${n} answered`)), 20_000);
      const sendMore = (): void => {
        while (sent < n && sent - answered.size < window) {
          sent++;
          sock.send(encodeQuery(SERVICE1, sent % 2 === 0 ? 'A' : 'AAAA', { id: base + sent }), port, '127.0.0.1');
        }
      };
      sock.on('message', (msg) => {
        answered.add(msg.readUInt16BE(0));
        if (answered.size === n) {
          clearTimeout(timer);
          resolve();
        } else sendMore();
      });
      sendMore();
    });
  } finally {
    sock.close();
  }
  return answered;
}

/** Sends bursts until the running configuration's query log says it is busy (bounded). */
async function makeBusy(s: LiveServer, port: number): Promise<void> {
  const from = s.lines.length;
  for (let i = 0; i < 5; i++) {
    expect((await burst(port, 3000)).size).toBe(3000);
    if (s.lines.slice(from).some((l) => String(l.msg).startsWith('query log busy'))) return;
    await sleep(100);
  }
  throw new Error('the query log never became busy');
}

/** The process's worker threads (Node names them "WorkerThread"). */
function workerThreads(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).filter((t) => readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() === 'WorkerThread').length;
}

describe('query log of the live process', () => {
  it('has a whole line for every answered query, the last ones written at SIGTERM before "stopped"', async () => {
    const port = await freePort();
    const s = (server = LiveServer.launch({ Corefile: corefile(port), 'objects.yaml': readFileSync(SAMPLE_OBJECTS, 'utf8') }));
    await s.listening();
    await makeBusy(s, port);
    const n = 5000;
    const base = 10_000;
    const answered = await burst(port, n, base);
    expect(answered.size).toBe(n);
    s.signal('SIGTERM');
    expect(await s.exited()).toBe(0);
    expect(s.lines.filter((l) => l['unparsed'] === true)).toEqual([]);
    const stopped = s.lines.findIndex((l) => l.msg === 'stopped');
    const logged = s.lines.map((l, i) => ({ l, i })).filter(({ l }) => l['plugin'] === 'log' && (l['id'] as number) > base);
    expect(new Set(logged.map(({ l }) => l['id']))).toEqual(answered);
    expect(logged).toHaveLength(n);
    expect(logged.every(({ i }) => i < stopped)).toBe(true);
    expect(logged[0]!.l).toMatchObject({ remote: '127.0.0.1', name: `${SERVICE1}.`, proto: 'udp', rcode: 'NOERROR', opcode: 'QUERY' });
  });

  it('starts a worker when busy, ends it with its configuration at reload, and logs with the new one', async () => {
    const port = await freePort();
    const s = (server = LiveServer.launch({ Corefile: corefile(port), 'objects.yaml': readFileSync(SAMPLE_OBJECTS, 'utf8') }));
    await s.listening();
    expect(workerThreads(s.pid)).toBe(0);
    expect((await burst(port, 10)).size).toBe(10);
    await s.waitForLog((l) => l['plugin'] === 'log' && l['id'] === 10, 15_000);
    expect(workerThreads(s.pid)).toBe(0);
    await makeBusy(s, port);
    for (let i = 0; i < 1000 && workerThreads(s.pid) !== 1; i++) await sleep(20);
    expect(workerThreads(s.pid)).toBe(1);
    for (const ttl of [6, 7]) {
      const from = s.lines.length;
      s.writeFile('Corefile', corefile(port, ttl));
      s.signal('SIGUSR1');
      await s.waitForLog((l) => l.msg === 'configuration reloaded', 15_000, from);
      await makeBusy(s, port);
    }
    // Each configuration's worker ends as it stops: one is left, the running configuration's.
    for (let i = 0; i < 1000 && workerThreads(s.pid) !== 1; i++) await sleep(20);
    expect(workerThreads(s.pid)).toBe(1);
    const from = s.lines.length;
    expect((await burst(port, 10)).size).toBe(10);
    const line = await s.waitForLog((l) => l['plugin'] === 'log' && l['id'] === 10, 15_000, from);
    expect(line).toMatchObject({ rcode: 'NOERROR', name: `${SERVICE1}.` });
  });
});
