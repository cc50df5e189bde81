// Thousands of random and crafted bad packets over real UDP and TCP sockets, then correct answers:
// no input crashes the server or stops it answering, and whatever it answers is a well-formed
// response to the same ID.

import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encodeQuery } from '../support/dns-format.js';
import { dig } from '../support/dig.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { nameBytes, opt, question, rawPacket } from '../support/raw-packets.js';

const fixture = readFileSync(new URL('../fixtures/behaviour.yaml', import.meta.url), 'utf8');
const WEB = 'web.apps.svc.clusterset.local';

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function crafted(): Buffer[] {
  const q = question(WEB);
  return [
    Buffer.alloc(0),
    Buffer.alloc(1),
    Buffer.alloc(12),
    Buffer.alloc(65000, 0xff),
    rawPacket({ body: [0xc0, 0x0c, 0, 1, 0, 1] }), // question points at itself
    rawPacket({ counts: [1, 0, 0, 1], body: [...q, 0xc0, 0x1d, 0, 41, 0, 0, 0, 0, 0, 0, 0, 0] }), // forward pointer
    rawPacket({ counts: [1, 0xff, 0xff, 0xff], body: q }), // lying counts
    rawPacket({ counts: [0xff, 0, 0, 0], body: q }),
    rawPacket({ counts: [1, 0, 0, 1], body: [...q, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0xff, 0xff] }), // OPT rdlen past the end
    rawPacket({ counts: [1, 0, 0, 1], body: [...q, ...opt(65535, 0, true, [0, 10, 0, 200, 1])] }), // option overruns
    rawPacket({ body: [...nameBytes('a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(63)), 0, 1, 0, 1] }), // 256+ bytes name
    rawPacket({ body: [1, 0x2e, 1, 0x00, 0, 0, 1, 0, 1] }), // label bytes that need escaping
    rawPacket({ flags: 0xffff & ~0x8000, body: q }), // every flag but QR, opcode 15
    rawPacket({ body: [...q.slice(0, -2)] }), // class cut off
  ];
}

function mutate(base: Buffer, r: () => number): Buffer {
  const b = Buffer.from(base);
  const kind = Math.floor(r() * 4);
  if (kind === 0) {
    for (let i = 0; i < 1 + r() * 6; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    b[2] = b[2]! & 0x7f; // keep QR=0 so the server has to parse it
    return b;
  }
  if (kind === 1) return b.subarray(0, Math.floor(r() * b.length));
  if (kind === 2) return Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)))]);
  return Buffer.from(Array.from({ length: 12 + Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
}

describe('malformed input', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = makeHarness({ corefile: 'clusterset.local {\n  multicluster {\n    objects objects.yaml\n  }\n}\n', files: { 'objects.yaml': fixture } });
    port = await h.serve({ tcp: { idleMs: 300, readMs: 300 } });
  });
  afterAll(async () => h.stop());

  it('survives 5,000 random and crafted UDP datagrams and answers each readable one well-formed', async () => {
    const r = rng(20261127);
    const bases = [encodeQuery(WEB, 'A'), encodeQuery(WEB, 'SRV', { edns: { do: true } }), encodeQuery('db.apps.svc.clusterset.local', 'AAAA')];
    const packets = [...crafted()];
    while (packets.length < 5000) packets.push(mutate(bases[packets.length % bases.length]!, r));
    const sock = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    sock.on('message', (m) => replies.push(m));
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    for (let i = 0; i < packets.length; i += 50) {
      await Promise.all(packets.slice(i, i + 50).map((p) => new Promise<void>((res) => sock.send(p, port, '127.0.0.1', () => res()))));
      await new Promise((res) => setImmediate(res));
    }
    await new Promise((res) => setTimeout(res, 300));
    sock.close();
    expect(replies.length).toBeGreaterThan(100);
    for (const reply of replies) {
      expect(reply.length).toBeGreaterThanOrEqual(12);
      expect(reply[2]! & 0x80).toBe(0x80); // QR
      expect(reply.length).toBeLessThanOrEqual(1232);
      expect(() => decode(reply)).not.toThrow();
    }
    expect((await dig(port, [WEB])).answer).toEqual([`${WEB}. 5 IN A 10.96.0.10`]);
  });

  it('survives bad TCP streams: lying lengths, garbage frames, half frames, abrupt closes', async () => {
    const r = rng(7);
    const streams: Buffer[] = [
      Buffer.from([0xff, 0xff, 1, 2, 3]),
      Buffer.from([0, 0]),
      Buffer.from([0, 5, 1, 2, 3, 4, 5]),
      Buffer.from([0, 12, ...Buffer.alloc(12)]),
      Buffer.concat([Buffer.from([0, 30]), rawPacket({ body: question(WEB) }).subarray(0, 20)]),
    ];
    while (streams.length < 200) {
      const p = mutate(encodeQuery(WEB, 'A'), r);
      const len = r() < 0.3 ? Math.floor(r() * 65536) : p.length;
      streams.push(Buffer.concat([Buffer.from([len >> 8, len & 0xff]), p]));
    }
    for (let i = 0; i < streams.length; i += 20) {
      await Promise.all(
        streams.slice(i, i + 20).map(
          (s) =>
            new Promise<void>((res) => {
              const c = net.connect({ host: '127.0.0.1', port }, () => {
                c.write(s);
                setTimeout(() => {
                  c.destroy();
                  res();
                }, 20);
              });
              c.on('error', () => res());
            }),
        ),
      );
    }
    expect((await dig(port, ['+tcp', WEB])).answer).toEqual([`${WEB}. 5 IN A 10.96.0.10`]);
    expect((await dig(port, [WEB])).answer).toEqual([`${WEB}. 5 IN A 10.96.0.10`]);
  });
});
