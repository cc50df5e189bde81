// DNS over HTTPS (RFC 8484) to one `https://` upstream with Node's built-in HTTP/2 client, as
// CoreDNS's proxy does for DoH: the query with ID 0 (RFC 8484 §4.1) to `/dns-query`, by POST
// (body) or GET (`?dns=` base64url), `application/dns-message` both ways. One HTTP/2 session per
// upstream carries every query at once; it is made on first use, closed after `expire` idle, and
// made again after an error. A reply counts only when it is a 200 whose body answers our question.

import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { matchReply } from '../../dns/wire/reply-match.js';
import { ConnectionClosed, ExchangeTimeout } from './exchange-errors.js';
import { withId } from './random-id.js';
import type { StreamTls } from './stream-connection.js';
import type { Exchanged, UdpTarget } from './udp-exchange.js';

export const DOH_PATH = '/dns-query';
const MIME = 'application/dns-message';
/** Far above any DNS message (65535 bytes); a larger body is not a DNS reply. */
const MAX_BODY = 65_536;

export interface DohSettings {
  readonly method: 'GET' | 'POST';
  readonly tls: StreamTls;
  /** Idle time after which the session is closed (forward's `expire`; 0 closes after each query). */
  readonly idleMs: number;
  readonly localAddress?: string;
}

export class DohClient {
  #session: ClientHttp2Session | null = null;
  #stopped = false;
  readonly #origin: string;

  constructor(
    private readonly target: UdpTarget,
    private readonly settings: DohSettings,
  ) {
    const host = target.family === 6 ? `[${target.host}]` : target.host;
    this.#origin = `https://${host}:${target.port}`;
  }

  exchange(query: Uint8Array, questionWire: Uint8Array, timeoutMs: number): Promise<Exchanged> {
    if (this.#stopped) return Promise.reject(new ConnectionClosed('upstream stopped', false));
    const wire = withId(query, 0);
    const session = this.#sessionFor();
    return new Promise<Exchanged>((resolve, reject) => {
      const headers =
        this.settings.method === 'GET'
          ? { ':method': 'GET', ':path': `${DOH_PATH}?dns=${Buffer.from(wire).toString('base64url')}`, accept: MIME }
          : { ':method': 'POST', ':path': DOH_PATH, accept: MIME, 'content-type': MIME, 'content-length': String(wire.length) };
      let settled = false;
      const finish = (err: Error | null, r?: Exchanged): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err !== null) {
          if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
          reject(err);
        } else resolve(r!);
        if (this.settings.idleMs <= 0) this.#closeSession(session);
      };
      const timer = setTimeout(() => finish(new ExchangeTimeout(`no DoH reply within ${timeoutMs}ms`)), timeoutMs);
      const stream = session.request(headers, { endStream: this.settings.method === 'GET' });
      let status = 0;
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('response', (h) => {
        status = Number(h[':status']);
      });
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) finish(new Error('DoH reply larger than a DNS message'));
        else chunks.push(c);
      });
      stream.on('end', () => {
        if (status !== 200) return finish(new Error(`DoH upstream answered HTTP ${status}`));
        const body = Buffer.concat(chunks, size);
        const layout = matchReply(body, 0, questionWire);
        if (layout === null) return finish(new Error('DoH reply does not answer the query'));
        finish(null, { wire: body, layout });
      });
      stream.on('error', (e: Error) => finish(e));
      stream.on('close', () => finish(new ConnectionClosed('DoH stream closed before its reply', false)));
      if (this.settings.method === 'POST') stream.end(wire);
    });
  }

  /** Idempotent. */
  stop(): void {
    this.#stopped = true;
    if (this.#session !== null) this.#closeSession(this.#session);
  }

  #sessionFor(): ClientHttp2Session {
    const live = this.#session;
    if (live !== null && !live.closed && !live.destroyed) return live;
    const tls = this.settings.tls ?? {};
    const session = connect(this.#origin, {
      ...tls,
      ...(this.settings.localAddress === undefined ? {} : { localAddress: this.settings.localAddress }),
    });
    // A session with nothing in flight must not keep the process alive (queries hold their timers).
    session.unref();
    session.on('error', () => this.#closeSession(session));
    session.on('close', () => {
      if (this.#session === session) this.#session = null;
    });
    if (this.settings.idleMs > 0) session.setTimeout(this.settings.idleMs, () => this.#closeSession(session));
    this.#session = session;
    return session;
  }

  #closeSession(session: ClientHttp2Session): void {
    if (this.#session === session) this.#session = null;
    if (!session.destroyed) session.destroy();
  }
}
