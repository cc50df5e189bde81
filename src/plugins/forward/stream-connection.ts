// One TCP or TLS connection to an upstream with RFC 1035 two-byte length framing. It carries one
// exchange at a time (the pool hands it to one query, then takes it back); frames that do not match
// the outstanding query are skipped, exactly like stray UDP datagrams.

import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ConnectionClosed, ExchangeTimeout } from './exchange-errors.js';
import { matchReply } from '../../dns/wire/reply-match.js';
import type { Exchanged, UdpTarget } from './udp-exchange.js';

/** TLS settings for DNS over TLS; null for plain TCP. */
export type StreamTls = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername'> | null;

interface Pending {
  readonly id: number;
  readonly questionWire: Uint8Array;
  readonly reused: boolean;
  readonly resolve: (r: Exchanged) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class StreamConnection {
  #socket: Socket;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #pending: Pending | null = null;
  #closed = false;

  private constructor(
    socket: Socket,
    /** Monotonic time of the dial, for max_age. */
    readonly openedAt: number,
  ) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => this.#onClose('connection error'));
    socket.on('close', () => this.#onClose('connection closed by upstream'));
  }

  static dial(target: UdpTarget, tls: StreamTls, timeoutMs: number, openedAt = 0, localAddress: string | null = null): Promise<StreamConnection> {
    return new Promise((resolve, reject) => {
      const local = localAddress === null ? {} : { localAddress };
      const socket =
        tls === null
          ? tcpConnect({ host: target.host, port: target.port, ...local })
          : tlsConnect({ host: target.host, port: target.port, ...local, ...tls });
      const ready = tls === null ? 'connect' : 'secureConnect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ExchangeTimeout(`connect timeout after ${timeoutMs}ms`));
      }, timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', fail);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new StreamConnection(socket, openedAt));
      });
    });
  }

  get alive(): boolean {
    return !this.#closed;
  }

  exchange(query: Uint8Array, id: number, questionWire: Uint8Array, timeoutMs: number, reused: boolean): Promise<Exchanged> {
    if (this.#closed) return Promise.reject(new ConnectionClosed('connection already closed', reused));
    if (this.#pending !== null) return Promise.reject(new Error('stream connection busy'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending = null;
        // A late reply would leave the stream in an unknown state: never reuse it.
        this.close();
        reject(new ExchangeTimeout(`no reply within ${timeoutMs}ms`));
      }, timeoutMs);
      this.#pending = { id, questionWire, reused, resolve, reject, timer };
      const frame = Buffer.allocUnsafe(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      frame.set(query, 2);
      this.#socket.write(frame);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.#failPending('connection closed');
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    for (;;) {
      if (this.#buffered < 2) return;
      let buf = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
      const len = buf.readUInt16BE(0);
      if (this.#buffered < 2 + len) {
        this.#chunks = [buf];
        return;
      }
      const frame = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      this.#chunks = buf.length > 0 ? [buf] : [];
      this.#buffered = buf.length;
      this.#onFrame(frame);
    }
  }

  #onFrame(frame: Buffer): void {
    const p = this.#pending;
    if (p === null) return;
    const layout = matchReply(frame, p.id, p.questionWire);
    if (layout === null) return;
    clearTimeout(p.timer);
    this.#pending = null;
    // The frame may share memory with later data; the reply outlives this read.
    p.resolve({ wire: Buffer.from(frame), layout });
  }

  #onClose(reason: string): void {
    this.#closed = true;
    this.#socket.destroy();
    this.#failPending(reason);
  }

  #failPending(reason: string): void {
    const p = this.#pending;
    if (p === null) return;
    this.#pending = null;
    clearTimeout(p.timer);
    p.reject(new ConnectionClosed(reason, p.reused));
  }
}
