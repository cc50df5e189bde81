// UDP transport: one socket per listen address, each datagram handed to the PacketHandler and the
// reply sent back to its source. Knows nothing about zones. `reusePort` lets several processes
// share the port (Node >= 22.12), each with its own socket.

import dgram from 'node:dgram';
import type { Logger } from 'pino';
import type { PacketHandler, PacketMeta } from '../packet-handler.js';
import { clientFamily, clientAddress, isWildcard } from './addresses.js';
import { InflightCounter } from './inflight.js';

function replyAddress(
  address: string,
  _family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

export interface ListenerOptions {
  readonly address: string;
  readonly port: number;
  readonly reusePort?: boolean;
}

export class UdpListener {
  #socket: dgram.Socket | null = null;
  readonly #inflight = new InflightCounter();

  constructor(
    private readonly options: ListenerOptions,
    private readonly handler: PacketHandler,
    private readonly logger: Logger,
  ) {}

  get port(): number {
    return this.#socket?.address().port ?? this.options.port;
  }

  async start(): Promise<void> {
    const wildcard = isWildcard(this.options.address);
    const type = wildcard || this.options.address.includes(':') ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({
      type,
      ipv6Only: false,
      reuseAddr: true,
      // Replies only ever go back to the IP a datagram came from: skip dgram's per-send DNS
      // lookup step (an isIP check and a nextTick for every reply).
      lookup: replyAddress,
      ...(this.options.reusePort ? { reusePort: true } : {}),
    });
    socket.on('message', (msg, rinfo) => this.#onMessage(socket, msg, rinfo));
    socket.on('error', (err) => this.logger.error({ err, address: this.options.address }, 'udp socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: this.options.port, address: wildcard ? '::' : this.options.address }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.#socket = socket;
  }

  #onMessage(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const meta: PacketMeta = {
      proto: 'udp',
      family: clientFamily(rinfo.address),
      remoteAddress: clientAddress(rinfo.address),
      remotePort: rinfo.port,
    };
    let out;
    try {
      out = this.handler.handle(msg, meta);
    } catch (err) {
      this.logger.error({ err }, 'udp packet handling failed');
      return;
    }
    if (out === null) return;
    if (out instanceof Uint8Array) {
      socket.send(out, rinfo.port, rinfo.address);
      return;
    }
    this.#inflight.begin();
    out
      .then((bytes) => {
        if (bytes !== null && this.#socket !== null) socket.send(bytes, rinfo.port, rinfo.address);
      })
      .catch((err: unknown) => this.logger.error({ err }, 'udp packet handling failed'))
      .finally(() => {
        this.#inflight.end();
      });
  }

  /** Resolves when no query is in flight (or after `maxMs`). */
  drain(maxMs: number): Promise<void> {
    return this.#inflight.drained(maxMs);
  }

  async stop(): Promise<void> {
    const s = this.#socket;
    if (s === null) return;
    this.#socket = null;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
