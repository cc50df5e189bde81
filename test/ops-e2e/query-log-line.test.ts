// The log plugin writes its JSON line by hand (src/plugins/log/json-line.ts) for speed; it must be
// the line pino itself writes for logger.info(fields, msg), for every kind of value, with the
// FORMAT filled in as msg exactly as CoreDNS prints it, and it must follow the logger's level.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/plugins/log/entry.js';
import { FLUSH_AFTER_MS } from '../../src/plugins/log/json-line.js';
import { QueryLogWriter } from '../../src/plugins/log/query-log-writer.js';
import { COMMON_LOG_FORMAT, compileFormat } from '../../src/plugins/log/format.js';

function sinkLogger(level = 'info'): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { logger: pino({ level, base: { app: 'clusterset-dns' } }, sink).child({ plugin: 'log' }), lines };
}

const entry: LogEntry = {
  remote: '127.0.0.1',
  port: 40000,
  id: 4242,
  type: 'A',
  class: 'IN',
  name: 'service1.provider-ns.svc.clusterset.local.',
  proto: 'udp',
  size: 82,
  do: false,
  bufsize: 1232,
  rcode: 'NOERROR',
  rflags: 'qr,aa,rd',
  rsize: 86,
  durationNs: 123_456,
  opcode: 'QUERY',
};

/** What pino is given for the same entry: the fields, with the duration in seconds. */
function fieldsOf(e: LogEntry): Record<string, unknown> {
  const { durationNs, ...rest } = e;
  const { opcode, ...head } = rest;
  return { ...head, duration: durationNs / 1e9, opcode };
}

const common = `127.0.0.1:40000 - 4242 "A IN service1.provider-ns.svc.clusterset.local. udp 82 false 1232" NOERROR qr,aa,rd 86 0.000123456s`;

const cases: { what: string; e: LogEntry; format: string; msg: string }[] = [
  { what: 'a plain query', e: entry, format: COMMON_LOG_FORMAT, msg: common },
  { what: 'the combined format', e: entry, format: '{combined}', msg: `${common} "QUERY"` },
  { what: 'IPv6 over TCP with DO', e: { ...entry, remote: '::1', proto: 'tcp', do: true, bufsize: 65535 }, format: '{remote}:{port} {proto} {>do} {>bufsize}', msg: '[::1]:40000 tcp true 65535' },
  { what: 'a name with escapes', e: { ...entry, name: 'we\\"ird\\\\.\\009x.clusterset.local.' }, format: '{name} "{type}"', msg: 'we\\"ird\\\\.\\009x.clusterset.local. "A"' },
  { what: 'a name with control and non-ASCII characters', e: { ...entry, name: 'tab\there\nnewline.é☃\u2028.\ud800.' }, format: '{name}', msg: 'tab\there\nnewline.é☃\u2028.\ud800.' },
  { what: 'control and non-ASCII text in the format', e: { ...entry, type: 'TYPE65280', class: 'CLASS7' }, format: 'tab\there\nnewline é ☃ \u2028 {type} {class}', msg: 'tab\there\nnewline é ☃ \u2028 TYPE65280 CLASS7' },
  { what: 'unknown placeholders, metadata and {local}', e: entry, format: '{nope} {/kubernetes/pod} {local} {>rcode}', msg: '{nope} - - {>rcode}' },
  { what: 'zero and large numbers', e: { ...entry, size: 0, rsize: 65535, id: 0, port: 0, durationNs: 2_500_000_000 }, format: '{size} {rsize} {>id} {port} {duration}', msg: '0 65535 0 0 2.5s' },
];

describe('query log JSON line', () => {
  it.each(cases)('$what: same fields, order and values as pino', ({ e, format, msg }) => {
    const ours = sinkLogger();
    const theirs = sinkLogger();
    const writer = new QueryLogWriter(ours.logger);
    writer.write(e, compileFormat(format));
    writer.flush();
    theirs.logger.info(fieldsOf(e), msg);
    expect(ours.lines).toHaveLength(1);
    const strip = (l: string): string => l.replace(/"time":\d+/, '"time":0');
    expect(strip(ours.lines[0]!)).toBe(strip(theirs.lines[0]!));
    expect(JSON.parse(ours.lines[0]!)).toMatchObject({ ...fieldsOf(e), msg, level: 30, app: 'clusterset-dns', plugin: 'log' });
  });

  // Go prints a duration's seconds without an exponent; JavaScript would print 5e-7.
  it.each([
    [1, '0.000000001'],
    [500, '0.0000005'],
    [123_456, '0.000123456'],
    [1_000_000, '0.001'],
    [1_000_000_000, '1'],
    [3_000_000_007, '3.000000007'],
    [0, '0'],
  ])('%i ns is printed as %s seconds, as CoreDNS does', (ns, text) => {
    const t = sinkLogger();
    const writer = new QueryLogWriter(t.logger);
    writer.write({ ...entry, durationNs: ns }, compileFormat('{duration}'));
    writer.flush();
    expect(t.lines[0]).toContain(`"duration":${text},`);
    const line = JSON.parse(t.lines[0]!) as { duration: number; msg: string };
    expect(line.msg).toBe(`${text}s`);
    expect(line.duration).toBe(ns / 1e9);
  });

  it('writes the lines of a batch together, in order, within FLUSH_AFTER_MS of the first', async () => {
    const chunks: string[] = [];
    const logger = pino({ base: null }, { write: (c: string) => chunks.push(c) } as never);
    const writer = new QueryLogWriter(logger);
    const first = performance.now();
    writer.write({ ...entry, id: 1 }, compileFormat('q1'));
    await new Promise((r) => setImmediate(r));
    for (let id = 2; id <= 3; id++) writer.write({ ...entry, id }, compileFormat(`q${id}`));
    expect(chunks).toEqual([]);
    // No upper bound on the wait: a loaded machine runs the flush timer late; that it comes with
    // no further write and no stop, after the batch window, is the point.
    while (chunks.length === 0 && performance.now() - first < 20_000) await new Promise((r) => setTimeout(r, 2));
    expect(performance.now() - first).toBeGreaterThanOrEqual(FLUSH_AFTER_MS - 2);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.trim().split('\n').map((l) => (JSON.parse(l) as { id: number; msg: string }).msg)).toEqual(['q1', 'q2', 'q3']);
  });

  // The text that depends only on the question and answer is made once per name and reused: a
  // repeated name whose answer, size or flags changed must show the new values, never the old.
  it('a repeated name is logged with whatever changed since it was last seen', () => {
    const t = sinkLogger();
    const writer = new QueryLogWriter(t.logger);
    const format = compileFormat(COMMON_LOG_FORMAT);
    const variants: LogEntry[] = [
      entry,
      { ...entry, rcode: 'NXDOMAIN', rsize: 120 },
      { ...entry, rflags: 'qr,aa,rd,ra' },
      { ...entry, proto: 'tcp', bufsize: 65535 },
      { ...entry, do: true, size: 93 },
      { ...entry, type: 'AAAA' },
      { ...entry, class: 'CH' },
      { ...entry, opcode: 'NOTIFY' },
      { ...entry, remote: '::1', port: 5, id: 6, durationNs: 7_000 },
      entry,
    ];
    for (const e of variants) writer.write(e, format);
    writer.flush();
    expect(t.lines).toHaveLength(variants.length);
    variants.forEach((e, i) => {
      const line = JSON.parse(t.lines[i]!) as Record<string, unknown>;
      expect(line).toMatchObject(fieldsOf(e));
      const remote = e.remote.includes(':') ? `[${e.remote}]` : e.remote;
      expect(line['msg']).toBe(`${remote}:${e.port} - ${e.id} "${e.type} ${e.class} ${e.name} ${e.proto} ${e.size} ${e.do} ${e.bufsize}" ${e.rcode} ${e.rflags} ${e.rsize} ${e.durationNs / 1e9}s`);
    });
  });

  it('keeps every line right past the cache of names, and for several formats at once', () => {
    const t = sinkLogger();
    const writer = new QueryLogWriter(t.logger);
    const short = compileFormat('{name} {rcode}');
    const long = compileFormat('{combined}');
    const names = Array.from({ length: 10_000 }, (_, i) => `n${i}.clusterset.local.`);
    for (const name of [...names, ...names.slice(0, 5)]) {
      writer.write({ ...entry, name }, short);
      writer.write({ ...entry, name, rcode: 'SERVFAIL' }, long);
    }
    writer.flush();
    expect(t.lines).toHaveLength(2 * (names.length + 5));
    const msgs = t.lines.map((l) => (JSON.parse(l) as { msg: string; name: string; rcode: string }));
    for (let i = 0; i < msgs.length; i += 2) {
      const name = msgs[i]!.name;
      expect(msgs[i]).toMatchObject({ msg: `${name} NOERROR`, rcode: 'NOERROR' });
      expect(msgs[i + 1]).toMatchObject({ name, rcode: 'SERVFAIL' });
      expect(msgs[i + 1]!.msg).toContain(` "A IN ${name} udp 82 false 1232" SERVFAIL qr,aa,rd 86 0.000123456s "QUERY"`);
    }
  });

  // What the CLI sets up: pino.destination({ sync: true }) on a file descriptor, written to
  // directly with fs.writeSync, a batch at a time.
  it('writes whole lines, in order, through a synchronous file destination', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'csdns-log-')), 'log.jsonl');
    const destination = pino.destination({ dest: file, sync: true });
    const logger = pino({ base: { app: 'clusterset-dns' } }, destination).child({ plugin: 'log' });
    const writer = new QueryLogWriter(logger);
    const format = compileFormat(COMMON_LOG_FORMAT);
    logger.info('before');
    for (let id = 0; id < 3000; id++) writer.write({ ...entry, id, name: `é${id % 7}.clusterset.local.` }, format);
    writer.flush();
    logger.info('after');
    destination.flushSync();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { id?: number; msg: string; name?: string });
    expect(lines).toHaveLength(3002);
    expect(lines[0]!.msg).toBe('before');
    expect(lines.at(-1)!.msg).toBe('after');
    expect(lines.slice(1, -1).map((l) => l.id)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(lines[8]!.name).toBe('é0.clusterset.local.');
    expect(lines[8]!.msg).toContain('"A IN é0.clusterset.local. udp');
  });

  it('is off when the logger level leaves info out', () => {
    expect(new QueryLogWriter(sinkLogger('warn').logger).enabled).toBe(false);
    expect(new QueryLogWriter(sinkLogger('debug').logger).enabled).toBe(true);
  });
});
