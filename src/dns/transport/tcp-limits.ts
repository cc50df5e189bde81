// What a TCP listener allows a connection (RFC 7766 §6.2.3 and §10): how long a client may take to
// send a query, to read a reply and to stay idle, how many connections it may hold at once, and
// how many all clients may. The timeouts are CoreDNS's (its `timeouts` plugin names them and its
// server's defaults are these); the connection caps are ours, CoreDNS has no name for them.

export interface TcpTimeouts {
  /** A query must arrive in full within this long of its first byte (the first one: of the connect). */
  readonly readMs: number;
  /** A reply the client does not read within this long closes the connection. */
  readonly writeMs: number;
  /** A connection with nothing under way closes after this long, shortened as the listener fills. */
  readonly idleMs: number;
}

export interface TcpLimits extends TcpTimeouts {
  /** Connections of all clients together. */
  readonly maxConnections: number;
  /** Connections of one client address. */
  readonly maxPerClient: number;
}

export const TCP_DEFAULTS: TcpLimits = Object.freeze({
  readMs: 3000,
  writeMs: 5000,
  idleMs: 10_000,
  maxConnections: 1000,
  // RFC 7766 asks clients for one connection; a forwarder pools one per query in flight. 100
  // leaves room for that and still leaves 90% of the listener to everyone else.
  maxPerClient: 100,
});

/** From the listener's half full on, the idle timeout shrinks linearly to a tenth of itself when full. */
export function effectiveIdleMs(idleMs: number, open: number, max: number): number {
  const fill = max > 0 ? open / max : 1;
  if (fill <= 0.5) return idleMs;
  const factor = Math.max(0.1, 1 - ((fill - 0.5) / 0.5) * 0.9);
  return Math.round(idleMs * factor);
}

/**
 * The limits of a listener that several blocks share: each timeout the smallest any of them sets
 * with `timeouts`, else the base's. (CoreDNS lets the last block win; the smallest keeps every
 * block's bound on how long a connection may hold on.)
 */
export function withBlockTimeouts(base: TcpLimits, blocks: readonly Partial<TcpTimeouts>[]): TcpLimits {
  const smallest = (key: keyof TcpTimeouts): number => {
    const set = blocks.map((b) => b[key]).filter((v): v is number => v !== undefined);
    return set.length === 0 ? base[key] : Math.min(...set);
  };
  return { ...base, readMs: smallest('readMs'), writeMs: smallest('writeMs'), idleMs: smallest('idleMs') };
}
