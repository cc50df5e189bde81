// The log plugin's JSON lines (CoreDNS's common-log fields, and the format rendered as msg), rule
// selection by name and response class; the errors plugin's messages and consolidation.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Rcode } from '../../src/dns/constants.js';
import { rcodeReply } from '../../src/dns/reply.js';
import type { Handler } from '../../src/plugins/plugin.js';
import { logFactory } from '../../src/plugins/log/setup.js';
import { errorsFactory } from '../../src/plugins/errors/setup.js';
import { classifyReply } from '../../src/plugins/log/classify.js';
import { a, replyWith, request, setup, setupContext, testRuntime } from './ops-harness.js';
import type { Clock } from '../../src/plugins/setup-context.js';

const NAME = 'web.ns.svc.clusterset.local.';
const found = replyWith(NAME, 'A', { answers: [a(NAME, '10.0.0.1')] });
const soa = { name: 'clusterset.local.', type: 'SOA', class: 'IN', ttl: 5, data: { mname: 'ns.dns.clusterset.local.', rname: 'hostmaster.clusterset.local.', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } } as const;
const nxdomain = replyWith(NAME, 'A', { authorities: [soa] }, Rcode.NXDOMAIN);
const nodata = replyWith(NAME, 'A', { authorities: [soa] });
const delegation = replyWith(NAME, 'A', { authorities: [{ name: 'ns.svc.clusterset.local.', type: 'NS', class: 'IN', ttl: 5, data: 'ns1.example.' }] });
const servfail = rcodeReply(Rcode.SERVFAIL, 'forward');
const refused = rcodeReply(Rcode.REFUSED, 'multicluster');

/** A clock that advances 1.5 ms per reading, so durations are exact. */
function steppingClock(): Clock {
  let t = 1000;
  return { now: () => Date.now(), monotonic: () => (t += 1.5) };
}

describe('response classes', () => {
  it.each([
    ['answer', found, 'success'],
    ['NXDOMAIN', nxdomain, 'denial'],
    ['NODATA (SOA)', nodata, 'denial'],
    ['delegation (NS, no SOA)', delegation, 'success'],
    ['SERVFAIL', servfail, 'error'],
    ['REFUSED', refused, 'error'],
    ['NOERROR, nothing written', rcodeReply(Rcode.NOERROR, 'x'), 'denial'],
  ] as const)('%s is %s', (_what, reply, cls) => {
    expect(classifyReply(reply)).toBe(cls);
  });
});

describe('log', () => {
  it("takes a line's time from the query's end on the monotonic clock, and follows a stepped wall clock within a second", async () => {
    let wall = Date.UTC(2026, 10, 27, 12, 0, 0);
    let mono = 5000;
    const clock: Clock = { now: () => wall, monotonic: () => mono };
    const t = testRuntime(clock);
    const log = setup(logFactory, 'log', setupContext(t.runtime));
    const req = request(NAME, 'A');
    const at = (advanceMs: number): Handler => () => {
      mono += advanceMs;
      wall += advanceMs;
      return found;
    };
    await log.serve(req, at(0)); // offset taken here: wall - mono
    await log.serve(req, at(250.7)); // 250.7 ms later on both clocks
    wall += 3_600_000; // the wall clock is stepped an hour forward
    await log.serve(req, at(500)); // still within the second: the old offset
    await log.serve(req, at(400)); // 1150.7 ms after the offset was taken: a new one
    await log.stop?.();
    const start = Date.UTC(2026, 10, 27, 12, 0, 0);
    expect(t.lines.map((l) => l.time)).toEqual([start, start + 250, start + 750, start + 3_600_000 + 1150]);
  });

  it('writes one JSON line with the common-log fields and the CoreDNS text as msg', async () => {
    const t = testRuntime(steppingClock());
    const log = setup(logFactory, 'log', setupContext(t.runtime));
    const req = request('Web.NS.svc.clusterset.local.', 'A', { id: 777, edns: { udpSize: 4096, do: true } });
    await log.serve(req, () => found);
    await log.stop?.(); // lines are written in batches; stop writes what is pending
    expect(t.lines).toHaveLength(1);
    const line = t.lines[0]!;
    expect(line).toMatchObject({
      level: 30,
      plugin: 'log',
      remote: '127.0.0.1',
      port: 40000,
      id: 777,
      type: 'A',
      class: 'IN',
      name: NAME,
      proto: 'udp',
      size: req.raw.length,
      do: true,
      bufsize: 4096,
      rcode: 'NOERROR',
      rflags: 'qr,aa,rd',
      rsize: found.wire!.length + 11,
      duration: 0.0015,
    });
    expect(line.msg).toBe(`127.0.0.1:40000 - 777 "A IN ${NAME} udp ${req.raw.length} true 4096" NOERROR qr,aa,rd ${found.wire!.length + 11} 0.0015s`);
  });

  it('renders custom formats, {combined}, brackets IPv6 remotes, leaves unknown placeholders', async () => {
    const t = testRuntime(steppingClock());
    const log = setup(logFactory, 'log . "{proto} Request: {name} {type} {>id} {remote} {/meta} {bogus} {combined}"', setupContext(t.runtime));
    const req = request(NAME, 'AAAA', { id: 9, proto: 'tcp', remote: '::1' });
    await log.serve(req, async () => found);
    await log.stop?.(); // lines are written in batches; stop writes what is pending
    expect(t.lines[0]!.msg).toBe(
      `tcp Request: ${NAME} AAAA 9 [::1] - {bogus} [::1]:40000 - 9 "AAAA IN ${NAME} tcp ${req.raw.length} false 65535" NOERROR qr,aa,rd ${found.wire!.length} 0.0015s "QUERY"`,
    );
  });

  it.each([
    { config: 'log', reply: found, logged: true },
    { config: 'log {\n class denial\n}', reply: found, logged: false },
    { config: 'log {\n class denial\n}', reply: nxdomain, logged: true },
    { config: 'log {\n class denial\n}', reply: nodata, logged: true },
    { config: 'log {\n class error\n}', reply: servfail, logged: true },
    { config: 'log {\n class error\n}', reply: nodata, logged: false },
    { config: 'log {\n class success error\n}', reply: refused, logged: true },
    { config: 'log {\n class denial all\n}', reply: found, logged: true },
    { config: 'log other.local', reply: found, logged: false },
    { config: 'log clusterset.local', reply: found, logged: true },
    { config: 'log svc.clusterset.local ns.svc.clusterset.local "{name}"', reply: found, logged: true },
    { config: 'log lusterset.local', reply: found, logged: false },
  ])('$config logs $reply.rcode: $logged', async ({ config, reply, logged }) => {
    const t = testRuntime();
    const log = setup(logFactory, config, setupContext(t.runtime));
    const out = await log.serve(request(NAME, 'A'), () => reply);
    await log.stop?.(); // lines are written in batches; stop writes what is pending
    expect(out).toBe(reply);
    expect(t.lines.length).toBe(logged ? 1 : 0);
  });

  it.each([
    { config: 'log {\n class bogus\n}', err: "invalid class 'bogus'" },
    { config: 'log {\n class\n}', err: 'expected at least 1 argument' },
    { config: 'log {\n format x\n}', err: "unknown option 'format'" },
  ])('rejects $config', ({ config, err }) => {
    const t = testRuntime();
    expect(() => setup(logFactory, config, setupContext(t.runtime))).toThrow(err);
  });
});

describe('errors', () => {
  afterEach(() => vi.useRealTimers());

  it('logs a SERVFAIL nobody wrote and a thrown exception (re-thrown for the server)', async () => {
    const t = testRuntime();
    const errors = setup(errorsFactory, 'errors', setupContext(t.runtime));
    const req = request(NAME, 'A');
    await errors.serve(req, () => servfail);
    await errors.serve(req, () => found);
    await errors.serve(req, () => refused);
    const boom: Handler = () => {
      throw new Error('dial udp 10.0.0.10:53: i/o timeout');
    };
    expect(() => errors.serve(req, boom)).toThrow('i/o timeout');
    await expect(errors.serve(req, () => Promise.reject(new Error('async boom')))).rejects.toThrow('async boom');
    expect(t.lines.map((l) => [l.level, l.msg])).toEqual([
      [50, `2 ${NAME} A: plugin/forward: no answer (SERVFAIL)`],
      [50, `2 ${NAME} A: dial udp 10.0.0.10:53: i/o timeout`],
      [50, `2 ${NAME} A: async boom`],
    ]);
  });

  it('consolidates matching errors into one line per period', async () => {
    vi.useFakeTimers();
    const t = testRuntime();
    const errors = setup(errorsFactory, 'errors {\n consolidate 30s ".* i/o timeout$" warning\n}', setupContext(t.runtime));
    const req = request(NAME, 'A');
    const timeout: Handler = () => {
      throw new Error('read udp: i/o timeout');
    };
    for (let i = 0; i < 3; i++) expect(() => errors.serve(req, timeout)).toThrow();
    await errors.serve(req, () => servfail); // does not match: logged at once
    expect(t.lines.map((l) => l.msg)).toEqual([`2 ${NAME} A: plugin/forward: no answer (SERVFAIL)`]);
    vi.advanceTimersByTime(30_000);
    expect(t.lines.at(-1)).toMatchObject({ level: 40, msg: "3 errors like '.* i/o timeout$' occurred in last 30s" });
    await errors.stop?.();
  });

  it('with show_first logs the first at once and summarises only when more followed', async () => {
    vi.useFakeTimers();
    const t = testRuntime();
    const errors = setup(errorsFactory, 'errors {\n consolidate 5s "timeout" info show_first\n}', setupContext(t.runtime));
    const req = request(NAME, 'A');
    const timeout: Handler = () => {
      throw new Error('timeout');
    };
    expect(() => errors.serve(req, timeout)).toThrow();
    expect(t.lines).toHaveLength(1);
    vi.advanceTimersByTime(5_000);
    expect(t.lines).toHaveLength(1);
    expect(() => errors.serve(req, timeout)).toThrow();
    expect(() => errors.serve(req, timeout)).toThrow();
    vi.advanceTimersByTime(5_000);
    expect(t.lines.map((l) => [l.level, l.msg])).toEqual([
      [30, `2 ${NAME} A: timeout`],
      [30, `2 ${NAME} A: timeout`],
      [30, "2 errors like 'timeout' occurred in last 5s"],
    ]);
    await errors.stop?.();
  });

  it.each([
    { config: 'errors extra', err: 'expected 0 arguments' },
    { config: 'errors {\n consolidate 30s\n}', err: 'expected 2 to 4 arguments' },
    { config: 'errors {\n consolidate soon "x"\n}', err: "invalid consolidate duration 'soon'" },
    { config: 'errors {\n consolidate 30s "(" \n}', err: 'invalid consolidate REGEXP' },
    { config: 'errors {\n consolidate 30s "x" loud\n}', err: "unexpected 'loud'" },
    { config: 'errors {\n verbose\n}', err: "unknown option 'verbose'" },
  ])('rejects $config', ({ config, err }) => {
    const t = testRuntime();
    expect(() => setup(errorsFactory, config, setupContext(t.runtime))).toThrow(err);
  });
});
