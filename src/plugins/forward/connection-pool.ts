// Idle TCP/TLS connections to one upstream, reused most-recently-used first and closed once they
// have sat idle for `expire` (CoreDNS's persistent connection cache). `expire 0` disables reuse;
// at most `max_idle_conns` wait at once (0: no limit), and one older than `max_age` (0: no limit)
// is closed instead of reused.

import type { Clock } from '../setup-context.js';
import type { StreamConnection } from './stream-connection.js';

interface Idle {
  readonly conn: StreamConnection;
  readonly since: number;
}

export class ConnectionPool {
  #idle: Idle[] = [];
  #sweeper: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(
    private readonly expireMs: number,
    private readonly clock: Clock,
    private readonly maxIdle = 0,
    private readonly maxAgeMs = 0,
  ) {}

  /** An idle live connection, or null when the caller must dial. */
  take(): StreamConnection | null {
    const now = this.clock.monotonic();
    while (this.#idle.length > 0) {
      const { conn, since } = this.#idle.pop()!;
      if (conn.alive && now - since < this.expireMs && !this.#tooOld(conn, now)) return conn;
      conn.close();
    }
    return null;
  }

  /** Hands a connection back after a completed exchange. */
  put(conn: StreamConnection): void {
    const full = this.maxIdle > 0 && this.#idle.length >= this.maxIdle;
    if (this.#stopped || this.expireMs <= 0 || !conn.alive || full || this.#tooOld(conn, this.clock.monotonic())) {
      conn.close();
      return;
    }
    this.#idle.push({ conn, since: this.clock.monotonic() });
    this.#armSweeper();
  }

  #tooOld(conn: StreamConnection, now: number): boolean {
    return this.maxAgeMs > 0 && now - conn.openedAt >= this.maxAgeMs;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  /** Closes every idle connection; later `put`s close theirs at once. Idempotent. */
  stop(): void {
    this.#stopped = true;
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
    for (const { conn } of this.#idle) conn.close();
    this.#idle = [];
  }

  #armSweeper(): void {
    if (this.#sweeper !== null) return;
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(this.expireMs, 10));
    this.#sweeper.unref();
  }

  #sweep(): void {
    const now = this.clock.monotonic();
    const keep: Idle[] = [];
    for (const idle of this.#idle) {
      if (idle.conn.alive && now - idle.since < this.expireMs) keep.push(idle);
      else idle.conn.close();
    }
    this.#idle = keep;
    if (keep.length === 0 && this.#sweeper !== null) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }
}
