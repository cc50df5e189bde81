// UDP exchanges with one upstream over a small rotating set of sockets: each socket is connected
// to the upstream (the kernel drops datagrams from anyone else), carries at most `maxUses` queries
// and is then replaced by a fresh one on a new OS-chosen port. This keeps source ports changing
// (RFC 5452 §9.2) at a fraction of the cost of a socket per query. Within a socket, replies are
// matched to queries by ID and question; anything else is ignored until the query's timeout.

import { createSocket, type Socket } from 'node:dgram';
import { ExchangeTimeout } from './exchange-errors.js';
import type { RandomIds } from './random-id.js';
import { withId } from './random-id.js';
import { matchReply } from '../../dns/wire/reply-match.js';
import type { Exchanged, UdpTarget } from './udp-exchange.js';

interface Pending {
  readonly questionWire: Uint8Array;
  readonly resolve: (r: Exchanged) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

class PooledSocket {
  readonly pending = new Map<number, Pending>();
  uses = 0;
  /** Picked for a query that has not registered yet: keeps a retired socket open for it. */
  reserved = 0;
  retired = false;
  closed = false;
  readonly ready: Promise<void>;

  constructor(
    readonly socket: Socket,
    target: UdpTarget,
    localAddress: string | null,
  ) {
    socket.on('message', (msg) => this.#onMessage(msg));
    // ICMP port unreachable and friends: every query on this socket fails now.
    socket.on('error', (err) => this.failAll(err));
    this.ready = new Promise<void>((resolve, reject) => {
      const failed = (err: Error): void => {
        this.retired = true;
        reject(err);
      };
      socket.once('error', failed);
      const connect = (): void => {
        socket.connect(target.port, target.host, () => {
          socket.off('error', failed);
          resolve();
        });
      };
      // source_address: bind to it first (on a port the OS picks), then connect from there.
      if (localAddress === null) connect();
      else socket.bind(0, localAddress, connect);
    });
  }

  #onMessage(msg: Buffer): void {
    if (msg.length < 2) return;
    const id = (msg[0]! << 8) | msg[1]!;
    const p = this.pending.get(id);
    if (p === undefined) return;
    const layout = matchReply(msg, id, p.questionWire);
    if (layout === null) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve({ wire: msg, layout });
    this.closeIfDone();
  }

  failAll(err: Error): void {
    this.retired = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.closeIfDone();
  }

  closeIfDone(): void {
    if (this.retired && this.pending.size === 0 && this.reserved === 0 && !this.closed) {
      this.closed = true;
      this.socket.close();
    }
  }
}

export interface UdpPoolSettings {
  /** Sockets in use at once. */
  readonly size: number;
  /** Queries per socket before it is replaced. */
  readonly maxUses: number;
}

export const DEFAULT_UDP_POOL: UdpPoolSettings = { size: 8, maxUses: 32 };

export class UdpSocketPool {
  readonly #slots: (PooledSocket | null)[];
  #stopped = false;

  constructor(
    private readonly target: UdpTarget,
    private readonly ids: RandomIds,
    private readonly localAddress: string | null = null,
    private readonly settings: UdpPoolSettings = DEFAULT_UDP_POOL,
  ) {
    this.#slots = new Array<PooledSocket | null>(settings.size).fill(null);
  }

  async exchange(query: Uint8Array, questionWire: Uint8Array, timeoutMs: number): Promise<Exchanged> {
    const ps = this.#pick();
    try {
      await ps.ready;
    } catch (err) {
      ps.reserved--;
      ps.closeIfDone();
      throw err;
    }
    // From here to registering the query below nothing yields, so the socket cannot close under us.
    ps.reserved--;
    if (ps.closed) throw new Error('upstream socket failed');
    let id = this.ids.take();
    while (ps.pending.has(id)) id = this.ids.take();
    return new Promise<Exchanged>((resolve, reject) => {
      const timer = setTimeout(() => {
        ps.pending.delete(id);
        ps.closeIfDone();
        reject(new ExchangeTimeout(`no reply within ${timeoutMs}ms`));
      }, timeoutMs);
      ps.pending.set(id, { questionWire, resolve, reject, timer });
      ps.socket.send(withId(query, id), (err) => {
        if (err) ps.failAll(err);
      });
    });
  }

  /** Idempotent: closes every socket; queries in flight fail. */
  stop(): void {
    this.#stopped = true;
    for (let i = 0; i < this.#slots.length; i++) {
      this.#slots[i]?.failAll(new Error('forward stopped'));
      this.#slots[i] = null;
    }
  }

  #pick(): PooledSocket {
    if (this.#stopped) throw new Error('forward stopped');
    const i = Math.floor(Math.random() * this.#slots.length);
    let ps = this.#slots[i] ?? null;
    if (ps === null || ps.retired) {
      ps = new PooledSocket(createSocket(this.target.family === 6 ? 'udp6' : 'udp4'), this.target, this.localAddress);
      this.#slots[i] = ps;
    }
    ps.reserved++;
    if (++ps.uses >= this.settings.maxUses) {
      // Used up: finishes its queries in flight, then closes; the next pick gets a new port.
      ps.retired = true;
      this.#slots[i] = null;
    }
    return ps;
  }
}
