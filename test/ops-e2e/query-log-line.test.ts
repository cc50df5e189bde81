// The log plugin writes its JSON line by hand (src/plugins/log/json-line.ts) for speed; it must be
// the line pino itself writes for logger.info(fields, msg), for every kind of value, with the
// FORMAT filled in as msg exactly as CoreDNS prints it, and it must follow the logger's level.

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/plugins/log/entry.js';
import { QueryLogWriter } from '../../src/plugins/log/json-line.js';
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

  it('writes the lines of one event-loop turn together, in order, at the end of the turn', async () => {
    const chunks: string[] = [];
    const logger = pino({ base: null }, { write: (c: string) => chunks.push(c) } as never);
    const writer = new QueryLogWriter(logger);
    for (let id = 1; id <= 3; id++) writer.write({ ...entry, id }, compileFormat(`q${id}`));
    expect(chunks).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.trim().split('\n').map((l) => (JSON.parse(l) as { id: number; msg: string }).msg)).toEqual(['q1', 'q2', 'q3']);
  });

  it('is off when the logger level leaves info out', () => {
    expect(new QueryLogWriter(sinkLogger('warn').logger).enabled).toBe(false);
    expect(new QueryLogWriter(sinkLogger('debug').logger).enabled).toBe(true);
  });
});
