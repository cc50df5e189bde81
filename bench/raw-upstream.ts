// A loopback upstream for BENCH=fuzz and BENCH=soak, over UDP and TCP on one port: every query
// whose question it can walk gets NOERROR with one A record for the asked name (192.0.2.N, N from
// the name, so an answer can be checked), built from the raw bytes with no DNS library, so that
// whatever odd name a forwarder passes on is answered and nothing here can be the crash. It can be
// stopped and started again on the same port (the soak's upstream restarts).

import dgram from 'node:dgram';
import net from 'node:net';

/** The address the answer for `lname` (lower case, trailing dot) carries. */
export function upstreamAddress(lname: string): string {
  let h = 0;
  for (let i = 0; i < lname.length; i++) h = (h * 31 + lname.charCodeAt(i)) >>> 0;
  return `192.0.2.${(h % 250) + 1}`;
}

function answer(query: Buffer): Buffer | null {
  if (query.length < 12 || (query[2]! & 0x80) !== 0) return null;
  let p = 12;
  let lname = '';
  while (p < query.length && query[p]! !== 0) {
    const len = query[p]!;
    if (len > 63 || p + 1 + len > query.length) return null;
    lname += `${query.toString('latin1', p + 1, p + 1 + len).toLowerCase()}.`;
    p += 1 + len;
  }
  if (p + 5 > query.length) return null;
  const qEnd = p + 5;
  const type = query.readUInt16BE(p + 1);
  const isA = type === 1;
  const out = Buffer.alloc(qEnd + (isA ? 16 : 0));
  query.copy(out, 0, 0, qEnd);
  out[2] = 0x80 | (query[2]! & 0x79); // QR, the query's opcode and RD
  out[3] = 0x80; // RA, NOERROR
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(isA ? 1 : 0, 6);
  out.writeUInt32BE(0, 8);
  if (isA) {
    out.writeUInt16BE(0xc00c, qEnd); // the question's name
    out.writeUInt16BE(1, qEnd + 2);
    out.writeUInt16BE(1, qEnd + 4);
    out.writeUInt32BE(60, qEnd + 6);
    out.writeUInt16BE(4, qEnd + 10);
    for (const [i, part] of upstreamAddress(lname === '' ? '.' : lname).split('.').entries()) out[qEnd + 12 + i] = Number(part);
  }
  return out;
}

export class RawUpstream {
  #udp: dgram.Socket | null = null;
  #tcp: net.Server | null = null;
  readonly #conns = new Set<net.Socket>();
  queries = 0;

  constructor(public port = 0) {}

  async start(): Promise<void> {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (m, r) => {
      this.queries++;
      const a = answer(m);
      if (a !== null) udp.send(a, r.port, r.address);
    });
    await new Promise<void>((res) => udp.bind(this.port, '127.0.0.1', () => res()));
    this.port = udp.address().port;
    const tcp = net.createServer((s) => {
      this.#conns.add(s);
      s.on('close', () => this.#conns.delete(s));
      s.on('error', () => s.destroy());
      let buf = Buffer.alloc(0);
      s.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const q = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + q.length);
          this.queries++;
          const a = answer(Buffer.from(q));
          if (a === null) continue;
          const f = Buffer.alloc(2 + a.length);
          f.writeUInt16BE(a.length, 0);
          a.copy(f, 2);
          s.write(f);
        }
      });
    });
    await new Promise<void>((res, rej) => {
      tcp.once('error', rej);
      tcp.listen(this.port, '127.0.0.1', () => res());
    });
    this.#udp = udp;
    this.#tcp = tcp;
  }

  async stop(): Promise<void> {
    const [udp, tcp] = [this.#udp, this.#tcp];
    this.#udp = null;
    this.#tcp = null;
    for (const c of this.#conns) c.destroy();
    if (udp !== null) await new Promise<void>((r) => udp.close(() => r()));
    if (tcp !== null) await new Promise<void>((r) => tcp.close(() => r()));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
}
