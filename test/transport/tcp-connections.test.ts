// The TCP connection table on its own, with a clock the test moves: per-client and listener caps
// that close the connection idle longest (never one with a query in flight or a reply being
// written), and the sweep's read, write and idle deadlines, the idle one shrinking as it fills.

import { afterEach, describe, expect, it } from 'vitest';
import { TcpConnections, TrackedConnection, type TcpCloseReason } from '../../src/dns/transport/tcp-connections.js';
import { effectiveIdleMs, TCP_DEFAULTS, withBlockTimeouts, type TcpLimits } from '../../src/dns/transport/tcp-limits.js';

let now = 0;
const closes: [string, TcpCloseReason][] = [];
const tables: TcpConnections[] = [];
afterEach(() => {
  for (const t of tables.splice(0)) t.stop();
  closes.length = 0;
  now = 0;
});

function table(limits: Partial<TcpLimits>): TcpConnections {
  const t = new TcpConnections({ ...TCP_DEFAULTS, ...limits }, () => now);
  tables.push(t);
  return t;
}

/** A connection named `name` from `client`; closing it records why and takes it out of `t`. */
function conn(t: TcpConnections, client: string, name: string): TrackedConnection {
  const c: TrackedConnection = new TrackedConnection(client, now, (reason) => {
    closes.push([name, reason]);
    t.remove(c);
  });
  return c;
}

/** Admits a connection that has sent a whole query (so it is idle now). */
function idle(t: TcpConnections, client: string, name: string): TrackedConnection {
  const c = conn(t, client, name);
  expect(t.admit(c)).toBeNull();
  c.messageSince = -1;
  return c;
}

describe('TCP connection table', () => {
  it('a client at its cap loses its own connection idle longest, not anyone else', () => {
    const t = table({ maxPerClient: 3 });
    const other = idle(t, '10.0.0.9', 'other');
    const [a, b, c] = ['a', 'b', 'c'].map((n) => {
      now += 10;
      return idle(t, '10.0.0.1', n);
    });
    now += 10;
    t.touch(a!); // a is now the most recently active of the three
    expect(t.admit(conn(t, '10.0.0.1', 'd'))).toBeNull();
    expect(closes).toEqual([['b', 'evicted']]);
    expect(t.size).toBe(4);
    expect([other, c].every((x) => x?.evictable)).toBe(true);
  });

  it('a client whose connections are all busy is refused (client_limit)', () => {
    const t = table({ maxPerClient: 2 });
    const a = idle(t, '10.0.0.1', 'a');
    const b = idle(t, '10.0.0.1', 'b');
    a.inflight = 1; // a query in flight
    b.writeSince = now; // a reply the client has not read yet
    expect(t.admit(conn(t, '10.0.0.1', 'c'))).toBe('client_limit');
    expect(closes).toEqual([]);
    expect(t.admit(conn(t, '10.0.0.2', 'x'))).toBeNull();
  });

  it('a full listener closes the connection idle longest, skipping busy ones; all busy: full', () => {
    const t = table({ maxConnections: 3 });
    const a = idle(t, '10.0.0.1', 'a');
    now += 5;
    const b = idle(t, '10.0.0.2', 'b');
    now += 5;
    idle(t, '10.0.0.3', 'c');
    a.inflight = 2;
    expect(t.admit(conn(t, '10.0.0.4', 'd'))).toBeNull();
    expect(closes).toEqual([['b', 'evicted']]);
    expect(t.size).toBe(3);
    expect(b.evictable).toBe(true); // b was idle longest of those not busy
  });

  it('refuses (full) when every connection is busy', () => {
    const t = table({ maxConnections: 2 });
    idle(t, '10.0.0.1', 'a').inflight = 1;
    idle(t, '10.0.0.2', 'b').writeSince = 0;
    expect(t.admit(conn(t, '10.0.0.3', 'c'))).toBe('full');
    expect(t.size).toBe(2);
  });

  it('sweep: read deadline from the first byte, write deadline, idle deadline; a query in flight holds', () => {
    const t = table({ readMs: 100, writeMs: 200, idleMs: 1000, maxConnections: 100 });
    const fresh = conn(t, '10.0.0.1', 'fresh'); // connected, no query yet: the read deadline runs from the connect
    t.admit(fresh);
    const partial = idle(t, '10.0.0.2', 'partial');
    const writing = idle(t, '10.0.0.3', 'writing');
    const busy = idle(t, '10.0.0.4', 'busy');
    const quiet = idle(t, '10.0.0.5', 'quiet');
    now = 50;
    partial.messageSince = now; // half a query arrived
    writing.writeSince = now;
    busy.inflight = 1;
    busy.messageSince = now; // more queries queued behind it: no read deadline while it answers
    now = 99;
    t.sweep();
    expect(closes).toEqual([]);
    now = 100;
    t.sweep();
    expect(closes).toEqual([['fresh', 'read_timeout']]);
    now = 150;
    t.sweep();
    expect(closes.slice(1)).toEqual([['partial', 'read_timeout']]);
    now = 250;
    t.sweep();
    expect(closes.slice(2)).toEqual([['writing', 'write_timeout']]);
    now = 1000;
    t.sweep();
    expect(closes.slice(3)).toEqual([['quiet', 'idle_timeout']]);
    now = 100_000;
    t.sweep();
    expect(closes.map(([n]) => n)).not.toContain('busy');
  });

  it('the idle timeout shrinks from half full to a tenth of itself when full', () => {
    expect([0, 250, 500, 750, 900, 1000, 1200].map((open) => effectiveIdleMs(10_000, open, 1000))).toEqual([10_000, 10_000, 10_000, 5500, 2800, 1000, 1000]);
    const t = table({ idleMs: 1000, maxConnections: 10 });
    for (let i = 0; i < 10; i++) idle(t, `10.0.0.${i}`, `c${i}`);
    now = 100; // a full listener: 100 ms of idle is enough
    t.sweep();
    expect(closes).toHaveLength(10);
    expect(closes.every(([, r]) => r === 'idle_timeout')).toBe(true);
  });

  it('blocks sharing a listener: each timeout the smallest one set, the rest the defaults', () => {
    expect(withBlockTimeouts(TCP_DEFAULTS, [{ idleMs: 30_000 }, { idleMs: 20_000, readMs: 2000 }, {}])).toEqual({ ...TCP_DEFAULTS, idleMs: 20_000, readMs: 2000 });
    expect(withBlockTimeouts(TCP_DEFAULTS, [])).toEqual(TCP_DEFAULTS);
  });
});
