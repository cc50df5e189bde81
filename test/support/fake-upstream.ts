// Controllable upstream DNS servers for forward/cache tests: UDP and TCP (optionally TLS) on one
// 127.0.0.1 port, each query handed to a behaviour that decides what to send back (and when).
// Every query seen is recorded with its ID, source port and transport, so tests can assert on what
// the forwarder actually sent.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import dnsPacket from 'dns-packet';
import { readQuery } from '../../src/dns/query-reader.js';

export interface SeenQuery {
  readonly id: number;
  readonly flags: number;
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly proto: 'udp' | 'tcp';
  readonly sourcePort: number;
  readonly raw: Buffer;
  /** Index of this query among all queries the upstream saw. */
  readonly seq: number;
  /** Over TCP: index of this query on its connection (0 for the first); 0 over UDP. */
  readonly connSeq: number;
}

export type Action =
  /** `after`: held until the test resolves it (then `delayMs` more), for queries that must stay in flight. */
  | { readonly kind: 'reply'; readonly wire: Uint8Array; readonly delayMs?: number; readonly after?: Promise<unknown> }
  /** TCP: close the connection without answering (UDP: ignored). */
  | { readonly kind: 'close'; readonly delayMs?: number };

/** What to send for a query; an empty list is silence. */
export type Behaviour = (q: SeenQuery) => Action[];

export interface FakeUpstreamOptions {
  /** Serve DNS over TLS on the stream port instead of plain TCP. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

export class FakeUpstream {
  readonly queries: SeenQuery[] = [];
  /** Stream connections accepted so far. */
  connections = 0;
  behaviour: Behaviour;
  readonly #udp: UdpSocket;
  readonly #stream: Server | TlsServer;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;
  #port = 0;

  private constructor(behaviour: Behaviour, options: FakeUpstreamOptions) {
    this.behaviour = behaviour;
    this.#udp = createSocket('udp4');
    this.#udp.on('message', (msg, rinfo) => {
      const q = this.#record(msg, 'udp', rinfo.port);
      if (q === null) return;
      for (const a of this.behaviour(q)) {
        if (a.kind === 'reply') this.#later(a, () => this.#udp.send(a.wire, rinfo.port, rinfo.address));
      }
    });
    const onConnection = (socket: Socket): void => this.#serveStream(socket);
    this.#stream =
      options.tls === undefined
        ? createServer(onConnection)
        : createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onConnection);
  }

  static async start(behaviour: Behaviour, options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
    // The TCP port is the number UDP got; when another process holds it for TCP, start over.
    for (let attempt = 1; ; attempt++) {
      const f = new FakeUpstream(behaviour, options);
      try {
        await f.#listen();
        return f;
      } catch (err) {
        await f.stop();
        if (attempt >= 10) throw err;
      }
    }
  }

  get port(): number {
    return this.#port;
  }

  /** `127.0.0.1:PORT`, the form forward's TO takes and its `to` metric label shows. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** Idempotent. */
  /** Resolves once `n` queries matching `match` have arrived (bounded by `maxMs`). */
  async waitForQueries(match: (q: SeenQuery) => boolean, n: number, maxMs = 10_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (this.queries.filter(match).length < n) {
      if (Date.now() > deadline) throw new Error(`${this.queries.filter(match).length} of ${n} queries arrived in ${maxMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#stream.listening ? this.#stream.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => {
      try {
        this.#udp.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  async #listen(): Promise<void> {
    // UDP takes an ephemeral port and TCP the same number.
    await new Promise<void>((resolve, reject) => {
      this.#udp.once('error', reject);
      this.#udp.bind(0, '127.0.0.1', () => {
        this.#udp.off('error', reject);
        resolve();
      });
    });
    this.#port = this.#udp.address().port;
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', reject);
      this.#stream.listen(this.#port, '127.0.0.1', () => {
        this.#stream.off('error', reject);
        resolve();
      });
    });
  }

  #later(action: Action, fn: () => void): void {
    if (action.kind === 'reply' && action.after !== undefined) {
      const { after, ...rest } = action;
      void after.then(() => {
        if (!this.#stopped) this.#later(rest, fn);
      });
      return;
    }
    const delayMs = action.delayMs;
    if (delayMs === undefined || delayMs <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, delayMs);
    this.#timers.add(t);
  }

  #record(msg: Buffer, proto: 'udp' | 'tcp', sourcePort: number, connSeq = 0): SeenQuery | null {
    const r = readQuery(msg);
    if (r.kind !== 'query') return null;
    const q: SeenQuery = {
      id: r.id,
      flags: r.flags,
      name: r.question.name,
      type: r.question.type,
      class: r.question.class,
      proto,
      sourcePort,
      raw: Buffer.from(msg),
      seq: this.queries.length,
      connSeq,
    };
    this.queries.push(q);
    return q;
  }

  #serveStream(socket: Socket): void {
    this.connections++;
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = Buffer.alloc(0);
    let onConnection = 0;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const q = this.#record(msg, 'tcp', socket.remotePort ?? 0, onConnection++);
        if (q === null) continue;
        for (const a of this.behaviour(q)) {
          this.#later(a, () => {
            if (a.kind === 'close') {
              socket.destroy();
              return;
            }
            if (socket.destroyed) return;
            const frame = Buffer.alloc(2 + a.wire.length);
            frame.writeUInt16BE(a.wire.length, 0);
            frame.set(a.wire, 2);
            socket.write(frame);
          });
        }
      }
    });
  }
}

// ---- replies ----

export interface ReplySpec {
  readonly answers?: dnsPacket.Answer[];
  readonly authorities?: dnsPacket.Answer[];
  readonly additionals?: dnsPacket.Answer[];
  readonly rcode?: number;
  /** Extra header flag bits (AA, TC, RA, AD...). */
  readonly flags?: number;
  /** Override the ID (to forge a wrong one). */
  readonly id?: number;
  /** Override the question name (to forge a mismatched one). */
  readonly name?: string;
  /** Override the question type. */
  readonly type?: number;
  /** Add an OPT record with this extended-rcode byte and DO bit. */
  readonly opt?: { readonly extRcode?: number; readonly do?: boolean };
}

/** A response to `q`: the question echoed (name as asked unless overridden), then the records. */
export function reply(q: SeenQuery, spec: ReplySpec = {}): Buffer {
  const additionals = [...(spec.additionals ?? [])];
  const wire = dnsPacket.encode({
    type: 'response',
    id: spec.id ?? q.id,
    flags: ((spec.flags ?? 0) | (q.flags & 0x0110) | ((spec.rcode ?? 0) & 0xf)) & 0x7fff,
    questions: [{ name: spec.name ?? q.name.replace(/\.$/, ''), type: 'A', class: 'IN' }],
    answers: spec.answers ?? [],
    authorities: spec.authorities ?? [],
    additionals,
  });
  // dns-packet takes type names; patch the numeric type and class in after the question name.
  let p = 12;
  while (wire[p] !== 0) p += wire[p]! + 1;
  wire.writeUInt16BE(spec.type ?? q.type, p + 1);
  wire.writeUInt16BE(q.class, p + 3);
  if (spec.opt === undefined) return wire;
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(1232, 3);
  opt[5] = spec.opt.extRcode ?? 0;
  opt[7] = spec.opt.do === true ? 0x80 : 0;
  const out = Buffer.concat([wire, opt]);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}

export const A = (name: string, ip: string, ttl = 300): dnsPacket.Answer => ({ type: 'A', name, ttl, data: ip });

export const SOA = (zone: string, minimum: number, ttl = 300): dnsPacket.Answer => ({
  type: 'SOA',
  name: zone,
  ttl,
  data: { mname: `ns.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum },
});

// ---- behaviours ----

/** Answers every query with `spec(q)`. */
export const answering =
  (spec: (q: SeenQuery) => ReplySpec): Behaviour =>
  (q) => [{ kind: 'reply', wire: reply(q, spec(q)) }];

/** Answers A queries with `ip` (TTL 300), anything else with NODATA. */
export const answeringA = (ip: string, ttl = 300): Behaviour =>
  answering((q) => (q.type === 1 ? { answers: [A(q.name, ip, ttl)] } : {}));

export const silent: Behaviour = () => [];

export const servfail: Behaviour = answering(() => ({ rcode: 2 }));

/** Delays every action of `inner` by `ms`. */
export const slow =
  (ms: number, inner: Behaviour): Behaviour =>
  (q) =>
    inner(q).map((a) => ({ ...a, delayMs: (a.delayMs ?? 0) + ms }));

/** Over UDP: an empty reply with TC set; over TCP: what `inner` says. */
export const truncating =
  (inner: Behaviour): Behaviour =>
  (q) =>
    q.proto === 'udp' ? [{ kind: 'reply', wire: reply(q, { flags: 0x0200 }) }] : inner(q);

/**
 * Before the real reply: one with the wrong ID, one for another name, one for another type, one
 * that is not a response, and garbage, as an off-path spoofer or a confused server would send.
 */
export const forgedFirst =
  (inner: Behaviour): Behaviour =>
  (q) => {
    const wrongId = reply(q, { id: (q.id + 1) & 0xffff, answers: [A(q.name, '6.6.6.6')] });
    const wrongName = reply(q, { name: 'evil.example', answers: [A('evil.example', '6.6.6.6')] });
    const wrongType = reply(q, { type: q.type === 1 ? 28 : 1, answers: [] });
    const notResponse = Buffer.from(reply(q, { answers: [A(q.name, '6.6.6.6')] }));
    notResponse[2] = notResponse[2]! & 0x7f;
    const truncatedRecords = reply(q, { answers: [A(q.name, '6.6.6.6')] }).subarray(0, 40);
    const garbageBytes = Buffer.from('this is not a dns message at all, just bytes');
    return [
      { kind: 'reply', wire: wrongId },
      { kind: 'reply', wire: wrongName },
      { kind: 'reply', wire: wrongType },
      { kind: 'reply', wire: notResponse },
      { kind: 'reply', wire: truncatedRecords },
      { kind: 'reply', wire: garbageBytes },
      ...inner(q).map((a) => ({ ...a, delayMs: (a.delayMs ?? 0) + 20 })),
    ];
  };

/** Only garbage, never a usable reply. */
export const garbage: Behaviour = (q) => [{ kind: 'reply', wire: Buffer.from([q.id >> 8, q.id & 0xff, 0x81, 0x80, 0xff, 0xff]) }];

/** Over TCP: closes the connection at once; over UDP: silent. */
export const closing: Behaviour = () => [{ kind: 'close' }];
