// TCP transport (RFC 7766): two-byte length framing, several queries per connection processed
// concurrently and answered as each completes, a cap on queries in flight per connection,
// back-pressure when a client does not read, and a client that closes its sending side (after its
// last query) still gets every answer before we close ours. Which connections may stay, and for how long, is
// the connection table's job (tcp-connections.ts); this file moves the bytes and tells it.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { PacketHandler, PacketMeta } from '../packet-handler.js';
import { clientAddress, clientFamily, isWildcard } from './addresses.js';
import { InflightCounter } from './inflight.js';
import { TcpConnections, TrackedConnection, type TcpCloseReason, type TcpRefusal } from './tcp-connections.js';
import { TCP_DEFAULTS, type TcpLimits } from './tcp-limits.js';

export interface TcpOptions {
  readonly address: string;
  readonly port: number;
  readonly limits?: TcpLimits;
  readonly maxInflightPerConnection?: number;
}

/** What happens to connections, for metrics: refused at the door, closed by us, open now. */
export interface TcpObserver {
  refused(reason: TcpRefusal): void;
  closed(reason: TcpCloseReason | 'bad_frame'): void;
  /** +1 when a connection is admitted, -1 when it goes. */
  open(delta: 1 | -1): void;
}

const MAX_INFLIGHT_PER_CONNECTION = 64;

export class TcpListener {
  #server: net.Server | null = null;
  readonly #sockets = new Set<net.Socket>();
  readonly #inflight = new InflightCounter();
  readonly #connections: TcpConnections;

  constructor(
    private readonly options: TcpOptions,
    private readonly handler: PacketHandler,
    private readonly logger: Logger,
    private readonly observer: TcpObserver,
  ) {
    this.#connections = new TcpConnections(options.limits ?? TCP_DEFAULTS, () => performance.now());
  }

  get port(): number {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? a.port : this.options.port;
  }

  /** New timeouts or caps (a reload); open connections are held to them from the next sweep. */
  setLimits(limits: TcpLimits): void {
    this.#connections.setLimits(limits);
  }

  async start(): Promise<void> {
    // allowHalfOpen: node would otherwise end our side as soon as the client ends its own, losing
    // the answers still being worked out (forwarded ones).
    const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.#onConnection(socket));
    server.on('error', (err) => this.logger.error({ err }, 'tcp server error'));
    const wildcard = isWildcard(this.options.address);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.options.port, host: wildcard ? '::' : this.options.address, ipv6Only: false }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  #onConnection(socket: net.Socket): void {
    const remote = socket.remoteAddress ?? '';
    const meta: PacketMeta = {
      proto: 'tcp',
      family: clientFamily(remote),
      remoteAddress: clientAddress(remote),
      remotePort: socket.remotePort ?? 0,
    };
    socket.on('error', () => socket.destroy());
    const conn = new TrackedConnection(meta.remoteAddress, performance.now(), (reason) => {
      if (socket.destroyed) return;
      this.observer.closed(reason);
      socket.destroy();
    });
    const refused = this.#connections.admit(conn);
    if (refused !== null) {
      this.observer.refused(refused);
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    this.observer.open(1);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.#connections.remove(conn);
      this.observer.open(-1);
    });

    const maxInflight = this.options.maxInflightPerConnection ?? MAX_INFLIGHT_PER_CONNECTION;
    let pending: Buffer = Buffer.alloc(0);
    // The client ended its side (we end ours once it has every answer), or broke the framing (we
    // close the connection once the answers before the break are sent).
    let clientDone = false;
    let badFrame = false;
    const endIfDone = (): void => {
      if (!clientDone || conn.inflight > 0 || socket.destroyed) return;
      socket.end(() => {
        if (badFrame) socket.destroy();
      });
    };

    const send = (bytes: Uint8Array | null): void => {
      if (bytes === null || socket.destroyed) return;
      const frame = Buffer.allocUnsafe(2 + bytes.length);
      frame.writeUInt16BE(bytes.length, 0);
      frame.set(bytes, 2);
      if (!socket.write(frame) && conn.writeSince < 0) {
        // The client is not reading: stop reading its queries until it does, within the write timeout.
        conn.writeSince = performance.now();
        socket.pause();
        socket.once('drain', () => {
          conn.writeSince = -1;
          this.#connections.touch(conn);
          if (conn.inflight < maxInflight) socket.resume();
        });
      }
    };

    const pump = (): void => {
      while (pending.length >= 2 && conn.inflight < maxInflight) {
        const len = pending.readUInt16BE(0);
        if (len === 0) {
          // A zero-length frame cannot be a DNS message: read nothing more, answer the queries
          // before it that are still being worked out (forwarded ones), then close.
          this.observer.closed('bad_frame');
          pending = Buffer.alloc(0);
          clientDone = true;
          badFrame = true;
          socket.pause();
          socket.removeAllListeners('data');
          conn.messageSince = -1;
          endIfDone();
          return;
        }
        if (pending.length < 2 + len) return; // the rest is on its way, within the read timeout
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        conn.messageSince = pending.length > 0 ? performance.now() : -1;
        let out;
        try {
          out = this.handler.handle(Buffer.from(msg), meta);
        } catch (err) {
          this.logger.error({ err }, 'tcp packet handling failed');
          socket.destroy();
          return;
        }
        if (out === null || out instanceof Uint8Array) {
          send(out);
          continue;
        }
        conn.inflight++;
        this.#inflight.begin();
        out
          .then(send, (err: unknown) => this.logger.error({ err }, 'tcp packet handling failed'))
          .finally(() => {
            conn.inflight--;
            this.#inflight.end();
            this.#connections.touch(conn);
            if (conn.inflight < maxInflight && socket.isPaused() && conn.writeSince < 0) socket.resume();
            pump();
            endIfDone();
          });
      }
      if (conn.inflight >= maxInflight) socket.pause();
    };

    socket.on('data', (chunk: Buffer) => {
      this.#connections.touch(conn);
      // A query's read deadline runs from its first byte (the first query's from the connect).
      if (conn.messageSince < 0) conn.messageSince = conn.lastActivity;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      pump();
    });
    socket.on('end', () => {
      clientDone = true;
      endIfDone();
    });
  }

  /** Resolves when no query is in flight (or after `maxMs`). */
  drain(maxMs: number): Promise<void> {
    return this.#inflight.drained(maxMs);
  }

  /** Stops accepting; open connections are closed. */
  async stop(): Promise<void> {
    const s = this.#server;
    if (s === null) return;
    this.#server = null;
    this.#connections.stop();
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const sock of this.#sockets) sock.destroy();
    await closed;
  }
}
