// The connections of one TCP listener and what keeps them fair (RFC 7766 §6.2.3): a cap per client
// address and one for the listener, the connection idle longest closed first to make room (a
// client at its own cap loses its own idle one), and one sweep that closes connections past their
// read, write or idle deadline, the idle one shrinking as the listener fills. A connection that
// has a query in flight is never chosen to make room: its answer is on its way.

import { effectiveIdleMs, type TcpLimits } from './tcp-limits.js';

export type TcpRefusal = 'client_limit' | 'full';
export type TcpCloseReason = 'idle_timeout' | 'read_timeout' | 'write_timeout' | 'evicted';

/** One connection as the table sees it; the listener updates the fields as bytes move. */
export class TrackedConnection {
  /** Monotonic ms of the last query byte read or reply written in full. */
  lastActivity: number;
  /** When the query being received began (for the first one: the connect), or -1 when none is under way. */
  messageSince: number;
  /** When reply bytes the client has not taken began to wait, or -1. */
  writeSince = -1;
  /** Queries handed to the plugins and not answered yet. */
  inflight = 0;

  constructor(
    readonly client: string,
    now: number,
    /** Closes the socket; the listener then calls remove(). */
    readonly close: (reason: TcpCloseReason) => void,
  ) {
    this.lastActivity = now;
    this.messageSince = now;
  }

  /** Neither answering a query nor waiting for the client to read: closing it loses nothing. */
  get evictable(): boolean {
    return this.inflight === 0 && this.writeSince < 0;
  }
}

export class TcpConnections {
  /** Every connection, least recently active first (re-inserted on activity). */
  readonly #byActivity = new Map<TrackedConnection, true>();
  readonly #byClient = new Map<string, Set<TrackedConnection>>();
  #limits: TcpLimits;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    limits: TcpLimits,
    private readonly now: () => number,
  ) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#byActivity.size;
  }

  setLimits(limits: TcpLimits): void {
    this.#limits = limits;
    this.#cancel();
    if (this.#byActivity.size > 0) this.#schedule();
  }

  /**
   * Makes room for `conn` if needed and adds it, or says why it cannot: its client holds its cap
   * with every connection busy, or the listener is full and every connection busy.
   */
  admit(conn: TrackedConnection): TcpRefusal | null {
    const mine = this.#byClient.get(conn.client);
    if (mine !== undefined && mine.size >= this.#limits.maxPerClient) {
      const victim = leastActiveEvictable(mine);
      if (victim === null) return 'client_limit';
      this.#evict(victim);
    }
    if (this.#byActivity.size >= this.#limits.maxConnections) {
      const victim = firstEvictable(this.#byActivity.keys());
      if (victim === null) return 'full';
      this.#evict(victim);
    }
    this.#byActivity.set(conn, true);
    if (mine !== undefined) mine.add(conn);
    else this.#byClient.set(conn.client, new Set([conn]));
    this.#schedule();
    return null;
  }

  /** Bytes moved on `conn`: it becomes the most recently active. */
  touch(conn: TrackedConnection): void {
    conn.lastActivity = this.now();
    if (this.#byActivity.delete(conn)) this.#byActivity.set(conn, true);
  }

  remove(conn: TrackedConnection): void {
    if (!this.#byActivity.delete(conn)) return;
    const mine = this.#byClient.get(conn.client);
    mine?.delete(conn);
    if (mine?.size === 0) this.#byClient.delete(conn.client);
    if (this.#byActivity.size === 0) this.#cancel();
  }

  /** Closes every connection past its deadline. */
  sweep(): void {
    const now = this.now();
    const limits = this.#limits;
    const idleMs = effectiveIdleMs(limits.idleMs, this.#byActivity.size, limits.maxConnections);
    for (const conn of [...this.#byActivity.keys()]) {
      if (conn.writeSince >= 0) {
        if (now - conn.writeSince >= limits.writeMs) conn.close('write_timeout');
      } else if (conn.inflight > 0) {
        continue;
      } else if (conn.messageSince >= 0) {
        if (now - conn.messageSince >= limits.readMs) conn.close('read_timeout');
      } else if (now - conn.lastActivity >= idleMs) {
        conn.close('idle_timeout');
      }
    }
  }

  /** Stops the sweep (the listener closes the sockets). */
  stop(): void {
    this.#cancel();
  }

  #evict(victim: TrackedConnection): void {
    victim.close('evicted');
    this.remove(victim); // at once, whether or not the socket's close event has come yet
  }

  #schedule(): void {
    if (this.#timer !== null) return;
    const l = this.#limits;
    // A quarter of the shortest deadline: a connection outlives its timeout by at most that much.
    const every = Math.min(250, Math.max(10, Math.min(l.readMs, l.writeMs, effectiveIdleMs(l.idleMs, l.maxConnections, l.maxConnections)) / 4));
    this.#timer = setInterval(() => this.sweep(), every);
    this.#timer.unref();
  }

  #cancel(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}

/** The first evictable connection of an activity-ordered sequence: the one idle longest. */
function firstEvictable(conns: Iterable<TrackedConnection>): TrackedConnection | null {
  for (const c of conns) if (c.evictable) return c;
  return null;
}

/** The evictable connection idle longest of an unordered set (one client's, at most its cap). */
function leastActiveEvictable(conns: Iterable<TrackedConnection>): TrackedConnection | null {
  let oldest: TrackedConnection | null = null;
  for (const c of conns) if (c.evictable && (oldest === null || c.lastActivity < oldest.lastActivity)) oldest = c;
  return oldest;
}
