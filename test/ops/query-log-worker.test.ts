// The query log through its worker thread (src/plugins/log/worker-query-log.ts), as the CLI runs
// it: lines identical to the ones the main thread makes, in order and whole next to the main
// thread's own log lines, written without waiting for stop, every one of them written by stop;
// the worker started only once the log is busy; and a destination that stops reading costs the
// query path at most STALL_MS before lines are dropped, counted and reported.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Flag } from '../../src/dns/constants.js';
import { rcodeReply, type Reply } from '../../src/dns/reply.js';
import type { Request } from '../../src/dns/request.js';
import { fillLogEntry } from '../../src/plugins/log/entry.js';
import { COMMON_LOG_FORMAT, compileFormat } from '../../src/plugins/log/format.js';
import { QueryLogWriter } from '../../src/plugins/log/query-log-writer.js';
import { SLOTS } from '../../src/plugins/log/record-ring.js';
import { BUSY_LINES, STALL_MS, WorkerQueryLog } from '../../src/plugins/log/worker-query-log.js';
import { a, replyWith, request } from './ops-harness.js';

const NAME = 'service1.provider-ns.svc.clusterset.local';
const formats = [compileFormat(COMMON_LOG_FORMAT), compileFormat('{combined} {name} {>rflags}')];

/** Queries and answers of several kinds, cycled through. */
function query(i: number): { req: Request; reply: Reply; ns: number } {
  const id = i & 0xffff;
  const kinds: (() => { req: Request; reply: Reply })[] = [
    () => ({ req: request(NAME, 'A', { id }), reply: replyWith(NAME, 'A', { answers: [a(NAME, '10.96.0.1')] }) }),
    () => ({ req: request(`x${i % 97}.provider-ns.svc.clusterset.local`, 'AAAA', { id, edns: { do: true } }), reply: rcodeReply(3, 'multicluster', Flag.AA) }),
    () => ({ req: request('Example.ORG', 'MX', { id, proto: 'tcp', remote: '2001:db8::7' }), reply: rcodeReply(2, 'forward', Flag.RA) }),
  ];
  return { ...kinds[i % kinds.length]!(), ns: 1000 + i };
}

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'csdns-qlog-')), 'log.jsonl');
}

/** sonic-boom's file descriptor (public, though its types leave it out). */
const fdOf = (destination: object): number => (destination as { fd: number }).fd;

const withoutTime = (l: string): string => l.replace(/"time":\d+,/, '');

let open: WorkerQueryLog[] = [];
afterEach(async () => {
  for (const l of open) await l.stop();
  open = [];
});

describe('query log worker', () => {
  it('writes the lines the main thread would, in order and whole, among the main thread\'s own lines', async () => {
    const file = tempFile();
    const destination = pino.destination({ dest: file, sync: true });
    const root = pino({ base: { app: 'clusterset-dns' } }, destination);
    const logger = root.child({ plugin: 'log' });
    const log = new WorkerQueryLog(logger, formats, fdOf(destination), { busyLines: 0 });
    open.push(log);
    await log.start();

    // The oracle: the main thread's writer with the same bindings, into memory.
    const expected: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => (expected.push(...c.toString('utf8').split('\n').filter((l) => l !== '')), done()) });
    const oracle = new QueryLogWriter(pino({ base: { app: 'clusterset-dns' } }, sink).child({ plugin: 'log' }));

    const n = 3 * SLOTS; // more than the ring holds
    for (let i = 0; i < n; i++) {
      const { req, reply, ns } = query(i);
      log.log(req, reply, ns, i % 2, Date.now());
      fillLogEntry(oracle.next(), req, reply, ns);
      oracle.commit(formats[i % 2]!);
      if (i % 1000 === 0) root.info({ i }, 'main thread line');
    }
    oracle.flush();
    await log.stop();
    destination.flushSync();

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    const queryLines = lines.filter((l) => l.includes('"plugin":"log"'));
    expect(queryLines).toHaveLength(n);
    expect(queryLines.map(withoutTime)).toEqual(expected.map(withoutTime));
    expect(lines.filter((l) => l.includes('main thread line'))).toHaveLength(Math.ceil(n / 1000));
    expect(log.dropped).toBe(0);
  });

  it('writes a line soon after its query, without waiting for more or for stop', async () => {
    const file = tempFile();
    const destination = pino.destination({ dest: file, sync: true });
    const log = new WorkerQueryLog(pino(destination), formats, fdOf(destination), { busyLines: 0 });
    open.push(log);
    await log.start();
    const t0 = performance.now();
    const { req, reply, ns } = query(0);
    log.log(req, reply, ns, 0, Date.now());
    // Written with no further query and no stop; how soon depends on the machine's load, so the
    // wait is only bounded.
    while (readFileSync(file, 'utf8') === '' && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ id: req.id, name: `${NAME}.`, rcode: 'NOERROR' });
  });

  it('makes lines on the main thread before start and after stop', async () => {
    const file = tempFile();
    const destination = pino.destination({ dest: file, sync: true });
    const log = new WorkerQueryLog(pino(destination), formats, fdOf(destination), { busyLines: 0 });
    const { req, reply, ns } = query(0);
    log.log(req, reply, ns, 0, Date.now());
    await log.start();
    log.log(req, reply, ns, 0, Date.now());
    await log.stop();
    log.log(req, reply, ns, 0, Date.now());
    await log.stop();
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(3);
  });

  it('starts its worker only when BUSY_LINES lines come within a second, keeping every line and their order', async () => {
    const file = tempFile();
    const destination = pino.destination({ dest: file, sync: true });
    const log = new WorkerQueryLog(pino(destination), formats, fdOf(destination));
    open.push(log);
    await log.start();
    const slow = 20;
    for (let i = 0; i < slow; i++) {
      const { req, reply, ns } = query(i);
      log.log(req, reply, ns, 0, Date.now());
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(log.running).toBe(false);
    let i = slow;
    for (; i < slow + BUSY_LINES; i++) {
      const { req, reply, ns } = query(i);
      log.log(req, reply, ns, 0, Date.now());
    }
    const t0 = performance.now();
    while (!log.running && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    expect(log.running).toBe(true);
    for (const end = i + 1000; i < end; i++) {
      const { req, reply, ns } = query(i);
      log.log(req, reply, ns, 0, Date.now());
    }
    await log.stop();
    destination.flushSync();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { msg: string; id?: number });
    const queryLines = lines.filter((l) => l.id !== undefined);
    expect(queryLines.map((l) => l.id)).toEqual(Array.from({ length: i }, (_, k) => k & 0xffff));
    expect(lines.filter((l) => l.msg.startsWith('query log busy'))).toHaveLength(1);
  });

  it('a destination that stops reading: the query path waits at most STALL_MS, then drops, counts and reports', async () => {
    // A pipe nobody reads: `sleep`'s stdin. Node opened it non-blocking, so the worker sees EAGAIN.
    const reader = spawn('sleep', ['30'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const warnings: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => (warnings.push(JSON.parse(c.toString('utf8')) as Record<string, unknown>), done()) });
    const log = new WorkerQueryLog(pino(sink), formats, fd, { busyLines: 0 });
    open.push(log);
    await log.start();
    try {
      const t0 = performance.now();
      const n = 4 * SLOTS; // about 1.5 MB of lines; the pipe holds 64 KiB
      for (let i = 0; i < n; i++) {
        const { req, reply, ns } = query(i);
        log.log(req, reply, ns, 0, Date.now());
      }
      const took = performance.now() - t0;
      expect(log.dropped).toBeGreaterThan(0);
      expect(took).toBeGreaterThanOrEqual(STALL_MS - 5);
      expect(took).toBeLessThan(STALL_MS + 1500);
    } finally {
      reader.kill('SIGKILL');
    }
    // The reader gone, writes fail (EPIPE): reported, and the ring drains.
    const until = performance.now() + 5000;
    while (!warnings.some((w) => String(w['msg']).includes('failed')) && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    const { req, reply, ns } = query(0);
    while (log.dropped > 0 && performance.now() < until) {
      const before = log.dropped;
      log.log(req, reply, ns, 0, Date.now());
      if (log.dropped === before) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(warnings.some((w) => w['level'] === 40 && String(w['msg']).startsWith('query log: writing to fd'))).toBe(true);
    expect(warnings.find((w) => String(w['msg']).includes('lines were dropped'))).toMatchObject({ level: 40, dropped: log.dropped });
  });
});
