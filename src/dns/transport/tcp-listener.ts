// TCP transport (RFC 7766): two-byte length framing, several queries per connection processed
// concurrently and answered as each completes, an idle timeout, a cap on connections and on
// queries in flight per connection, and back-pressure when a client does not read.

import net from 'node:net';
import type { Logger } from 'pino';
import type { PacketHandler, PacketMeta } from '../packet-handler.js';
import { clientAddress, clientFamily, isWildcard } from './addresses.js';
import { InflightCounter } from './inflight.js';

export interface TcpOptions {
  readonly address: string;
  readonly port: number;
  readonly idleTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly maxInflightPerConnection?: number;
}

export const TCP_DEFAULTS = { idleTimeoutMs: 10_000, maxConnections: 1000, maxInflightPerConnection: 64 } as const;

export class TcpListener {
  #server: net.Server | null = null;
  readonly #sockets = new Set<net.Socket>();
  readonly #inflight = new InflightCounter();

  constructor(
    private readonly options: TcpOptions,
    private readonly handler: PacketHandler,
    private readonly logger: Logger,
  ) {}

  get port(): number {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? a.port : this.options.port;
  }

  async start(): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => this.#onConnection(socket));
    server.maxConnections = this.options.maxConnections ?? TCP_DEFAULTS.maxConnections;
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
    this.#sockets.add(socket);
    const remote = socket.remoteAddress ?? '';
    const meta: PacketMeta = {
      proto: 'tcp',
      family: clientFamily(remote),
      remoteAddress: clientAddress(remote),
      remotePort: socket.remotePort ?? 0,
    };
    const maxInflight = this.options.maxInflightPerConnection ?? TCP_DEFAULTS.maxInflightPerConnection;
    let pending: Buffer = Buffer.alloc(0);
    let inflight = 0;
    socket.setTimeout(this.options.idleTimeoutMs ?? TCP_DEFAULTS.idleTimeoutMs);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));

    const send = (bytes: Uint8Array | null): void => {
      if (bytes === null || socket.destroyed) return;
      const frame = Buffer.allocUnsafe(2 + bytes.length);
      frame.writeUInt16BE(bytes.length, 0);
      frame.set(bytes, 2);
      if (!socket.write(frame)) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    };

    const pump = (): void => {
      while (pending.length >= 2 && inflight < maxInflight) {
        const len = pending.readUInt16BE(0);
        if (len === 0) {
          socket.destroy(); // a zero-length frame cannot be a DNS message
          return;
        }
        if (pending.length < 2 + len) return; // wait for the rest (the idle timeout bounds a liar)
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
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
        inflight++;
        this.#inflight.begin();
        out
          .then(send, (err: unknown) => this.logger.error({ err }, 'tcp packet handling failed'))
          .finally(() => {
            inflight--;
            this.#inflight.end();
            if (inflight < maxInflight && socket.isPaused() && socket.writableLength === 0) socket.resume();
            pump();
          });
      }
      if (inflight >= maxInflight) socket.pause();
    };

    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      pump();
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
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const sock of this.#sockets) sock.destroy();
    await closed;
  }
}
