// The log plugin writes its JSON line by hand (src/plugins/log/json-line.ts) for speed; it must be
// the line pino itself writes for logger.info(entry, msg), for every kind of value, and it must
// follow the logger's level.

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/plugins/log/entry.js';
import { QueryLogWriter } from '../../src/plugins/log/json-line.js';

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
  duration: 0.000123456,
  opcode: 'QUERY',
};

const cases: { what: string; e: LogEntry; msg: string }[] = [
  { what: 'a plain query', e: entry, msg: '127.0.0.1:40000 - 4242 "A IN service1.provider-ns.svc.clusterset.local. udp 82 false 1232" NOERROR qr,aa,rd 86 0.000123456s' },
  { what: 'IPv6 over TCP with DO', e: { ...entry, remote: '::1', proto: 'tcp', do: true, bufsize: 65535 }, msg: '[::1]:40000 - 4242' },
  { what: 'a name with escapes', e: { ...entry, name: 'we\\"ird\\\\.\\009x.clusterset.local.' }, msg: 'we\\"ird name' },
  { what: 'control and non-ASCII text', e: { ...entry, type: 'TYPE65280', class: 'CLASS7' }, msg: 'tab\there\nnewline é ☃ \u2028' },
  { what: 'tiny and large numbers', e: { ...entry, duration: 1e-9, size: 0, rsize: 65535, id: 0 }, msg: '' },
];

describe('query log JSON line', () => {
  it.each(cases)('$what: same fields, order and values as pino', ({ e, msg }) => {
    const ours = sinkLogger();
    const theirs = sinkLogger();
    const writer = new QueryLogWriter(ours.logger);
    writer.write(e, msg);
    writer.flush();
    theirs.logger.info(e, msg);
    expect(ours.lines).toHaveLength(1);
    const strip = (l: string): string => l.replace(/"time":\d+/, '"time":0');
    expect(strip(ours.lines[0]!)).toBe(strip(theirs.lines[0]!));
    expect(JSON.parse(ours.lines[0]!)).toMatchObject({ ...e, msg, level: 30, app: 'clusterset-dns', plugin: 'log' });
  });

  it('writes the lines of one event-loop turn together, in order, at the end of the turn', async () => {
    const chunks: string[] = [];
    const logger = pino({ base: null }, { write: (c: string) => chunks.push(c) } as never);
    const writer = new QueryLogWriter(logger);
    for (let id = 1; id <= 3; id++) writer.write({ ...entry, id }, `q${id}`);
    expect(chunks).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([1, 2, 3]);
  });

  it('is off when the logger level leaves info out', () => {
    expect(new QueryLogWriter(sinkLogger('warn').logger).enabled).toBe(false);
    expect(new QueryLogWriter(sinkLogger('debug').logger).enabled).toBe(true);
  });
});
