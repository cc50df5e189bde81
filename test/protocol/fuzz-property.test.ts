// Property tests (fast-check) of the query reader and the packet handler: any byte string, and any
// mutation of a real query (the seed corpus: zone names of every kind, reverse and forwarded names,
// EDNS with options), gives either no reply (only for a packet shorter than a header or a
// response) or a reply that an independent decoder (dns-packet) reads to its last byte and that
// keeps the header and question rules (test/support/reply-rules.ts) over UDP and TCP; nothing
// throws, and the packet is handed back as it came (the reader edits names in place for speed).
// The handler is the real one with zone, cache and forward blocks; the fixed seeds make every run
// ask the same packets (BENCH=fuzz explores further, with fresh random ones).

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQuery } from '../../src/dns/query-reader.js';
import { answering, FakeUpstream } from '../support/fake-upstream.js';
import { mutate, seedCorpus, type Mutation } from '../support/fuzz-packets.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { replyViolations } from '../support/reply-rules.js';

const fixture = readFileSync(new URL('../fixtures/behaviour.yaml', import.meta.url), 'utf8');
const seeds = seedCorpus();

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(600), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(600) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.array(fc.nat(255), { maxLength: 40 }) }),
  fc.record({ kind: fc.constant('count' as const), which: fc.nat(3), value: fc.oneof(fc.nat(4), fc.nat(65535)) }),
  fc.record({ kind: fc.constant('loop' as const), where: fc.constantFrom('question' as const, 'appended' as const) }),
  fc.record({ kind: fc.constant('labelLie' as const), label: fc.nat(7), len: fc.nat(255) }),
  fc.record({ kind: fc.constant('opcode' as const), value: fc.nat(15) }),
  fc.record({ kind: fc.constant('response' as const) }),
  fc.record({ kind: fc.constant('questions' as const), n: fc.nat(12), honest: fc.boolean() }),
  fc.record({
    kind: fc.constant('opt' as const),
    field: fc.constantFrom('size' as const, 'rcode' as const, 'version' as const, 'flags' as const, 'rdlength' as const, 'owner' as const, 'duplicate' as const),
    value: fc.oneof(fc.nat(4), fc.nat(65535)),
  }),
);
const mutated = fc.tuple(fc.nat(seeds.length - 1), fc.array(mutation, { maxLength: 4 })).map(([i, ms]) => mutate(seeds[i]!, ms));
const anyBytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
/** A real query's body under any header: every flag, opcode and count. */
const anyHeader = fc.tuple(fc.nat(seeds.length - 1), fc.uint8Array({ minLength: 12, maxLength: 12 })).map(([i, h]) => Buffer.concat([h, seeds[i]!.bytes.subarray(12)]));

describe('property: any packet, a well-formed reply or none', () => {
  let h: Harness;
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await FakeUpstream.start(answering((q) => ({ answers: [{ type: 'A', name: q.name, ttl: 60, data: '192.0.2.1' }], flags: 0x80 })));
    h = makeHarness({
      corefile: [
        'clusterset.local in-addr.arpa {',
        '  multicluster clusterset.local in-addr.arpa {',
        '    objects objects.yaml',
        '  }',
        '}',
        '. {',
        '  cache 30',
        `  forward . ${upstream.address}`,
        '}',
        '',
      ].join('\n'),
      files: { 'objects.yaml': fixture },
    });
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await upstream.stop();
  });

  /** Reader and handler on one packet, both transports; the packet must come back unchanged. */
  async function holds(packet: Buffer): Promise<void> {
    const before = Buffer.from(packet);
    const read = readQuery(packet);
    const dropped = packet.length < 12 || (packet[2]! & 0x80) !== 0;
    expect(read.kind === 'drop').toBe(dropped);
    if (read.kind !== 'drop') expect(read.id).toBe(packet.readUInt16BE(0));
    if (read.kind === 'query') {
      expect(Buffer.from(read.questionWire).equals(packet.subarray(12, 12 + read.questionWire.length))).toBe(true);
      expect(read.question.lname).toBe(read.question.name.replace(/[A-Z]+/g, (m) => m.toLowerCase()));
    }
    for (const proto of ['udp', 'tcp'] as const) {
      const reply = await h.raw(packet, proto);
      expect(packet.equals(before)).toBe(true);
      expect(replyViolations(packet, proto, reply)).toEqual([]);
    }
  }

  it('the rules catch what they are for (a checker that passes everything would prove nothing)', async () => {
    const q = Buffer.from(seeds[0]!.bytes); // web A, no EDNS
    const good = Buffer.from((await h.raw(q, 'udp'))!);
    expect(replyViolations(q, 'udp', good)).toEqual([]);
    const bad = (edit: (b: Buffer) => Buffer): Buffer => edit(Buffer.from(good));
    const cases: [Buffer | null, 'udp' | 'tcp', string][] = [
      [null, 'udp', 'no reply to a query'],
      [bad((b) => (b.writeUInt16BE(b.readUInt16BE(0) ^ 1, 0), b)), 'udp', 'ID differs'],
      [bad((b) => ((b[2]! &= 0x7f), b)), 'udp', 'QR not set'],
      [bad((b) => ((b[2]! ^= 0x01), b)), 'udp', 'RD not copied'],
      [bad((b) => ((b[2]! ^= 0x10), b)), 'udp', 'opcode differs'],
      [bad((b) => ((b[14]! ^= 0x20), b)), 'udp', "the question is not the query's, byte for byte"],
      [bad((b) => Buffer.concat([b, Buffer.from([1, 2, 3])])), 'udp', '3 bytes after the last record'],
      [bad((b) => ((b[2]! |= 0x02), b)), 'tcp', 'TC over TCP'],
      [bad((b) => ((b[3] = (b[3]! & 0xf0) | 9), b)), 'udp', 'rcode 9'],
    ];
    for (const [reply, proto, violation] of cases) expect(replyViolations(q, proto, reply)).toContain(violation);
    const big = Buffer.concat([good.subarray(0, 12), good.subarray(12), Buffer.alloc(600)]);
    expect(replyViolations(q, 'udp', big).some((v) => v.endsWith('over udp (limit 512)'))).toBe(true);
    expect(replyViolations(Buffer.from([...q.subarray(0, 2), q[2]! | 0x80, ...q.subarray(3)]), 'udp', good)).toEqual(['a reply to a packet that must be dropped']);
  });

  it('the seed corpus itself: every real query answered within the rules', async () => {
    for (const s of seeds) await holds(Buffer.from(s.bytes));
  });

  it('mutated real queries (bit flips, cuts, lying counts, compression loops, label lies, opcodes, responses, many questions, OPT corruption)', async () => {
    await fc.assert(fc.asyncProperty(mutated, holds), { numRuns: 1500, seed: 13_2026 });
  });

  it('a real question under any 12-byte header', async () => {
    await fc.assert(fc.asyncProperty(anyHeader, holds), { numRuns: 500, seed: 13_2027 });
  });

  it('any byte string', async () => {
    await fc.assert(fc.asyncProperty(anyBytes, holds), { numRuns: 800, seed: 13_2028 });
  });
});
