// A DNS-over-HTTPS test server (RFC 8484) on 127.0.0.1 for forward's `https://` upstreams: HTTP/2
// over TLS with the certificate a test gives it, `/dns-query` by POST (body) or GET (`?dns=`
// base64url), each query handed to the same behaviours as the fake UDP/TCP upstreams. Every
// request is recorded with its method, path and headers, so tests can check what was sent.

import { createSecureServer, type Http2SecureServer, type ServerHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { readQuery } from '../../src/dns/query-reader.js';
import type { Behaviour, SeenQuery } from './fake-upstream.js';

export interface DohRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly authority: string | undefined;
  /** The DNS query it carried, when it carried one. */
  readonly query: SeenQuery | null;
}

export class DohServer {
  readonly requests: DohRequest[] = [];
  behaviour: Behaviour;
  /** HTTP status to answer with instead of 200 (an upstream in trouble). */
  status = 200;
  readonly #server: Http2SecureServer;
  #port = 0;
  #queries = 0;

  private constructor(behaviour: Behaviour, tls: { key: Buffer; cert: Buffer }) {
    this.behaviour = behaviour;
    this.#server = createSecureServer({ key: tls.key, cert: tls.cert });
    this.#server.on('stream', (stream, headers) => this.#serve(stream, headers));
    this.#server.on('sessionError', () => undefined);
  }

  static async start(behaviour: Behaviour, tls: { key: Buffer; cert: Buffer }): Promise<DohServer> {
    const s = new DohServer(behaviour, tls);
    await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', () => resolve()));
    const addr = s.#server.address();
    s.#port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    return s;
  }

  get port(): number {
    return this.#port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const method = String(headers[':method']);
    const path = String(headers[':path']);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.on('end', () => {
      const url = new URL(path, 'https://doh.test');
      let wire: Buffer | null = null;
      if (url.pathname === '/dns-query' && method === 'POST') wire = Buffer.concat(chunks);
      if (url.pathname === '/dns-query' && method === 'GET' && url.searchParams.has('dns')) {
        wire = Buffer.from(url.searchParams.get('dns')!, 'base64url');
      }
      const q = wire === null ? null : this.#record(wire);
      this.requests.push({
        method,
        path,
        contentType: headers['content-type'],
        accept: headers['accept'],
        authority: headers[':authority'],
        query: q,
      });
      const action = q === null ? undefined : this.behaviour(q).find((a) => a.kind === 'reply');
      if (q === null || action === undefined || action.kind !== 'reply') {
        stream.respond({ ':status': q === null ? 400 : 502 });
        stream.end();
        return;
      }
      const send = (): void => {
        if (stream.destroyed) return;
        stream.respond({ ':status': this.status, 'content-type': 'application/dns-message' });
        stream.end(Buffer.from(action.wire));
      };
      if (action.delayMs !== undefined && action.delayMs > 0) setTimeout(send, action.delayMs);
      else send();
    });
  }

  #record(wire: Buffer): SeenQuery | null {
    const r = readQuery(wire);
    if (r.kind !== 'query') return null;
    return {
      id: r.id,
      flags: r.flags,
      name: r.question.name,
      type: r.question.type,
      class: r.question.class,
      proto: 'tcp',
      sourcePort: 0,
      raw: wire,
      seq: this.#queries++,
      connSeq: 0,
    };
  }
}
