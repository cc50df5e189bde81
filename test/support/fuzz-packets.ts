// Hostile queries for the property test and BENCH=fuzz: a seed corpus of real queries (what dig,
// stub resolvers and forwarders send: zone names of every shape, names to forward, EDNS with and
// without DO and options, mixed case), and mutations as plain data (so fast-check can generate and
// shrink them, and the bench can draw them from a seeded PRNG): bit flips, cuts, appended garbage,
// lying counts, compression loops, label length lies, other opcodes, responses, many questions,
// OPT corruption.

import dnsPacket from 'dns-packet';

export interface Seed {
  readonly bytes: Buffer;
  /** Where the OPT record starts, or -1 without EDNS. */
  readonly optAt: number;
}

const Z = 'clusterset.local';

/** Real queries: the zone's names of every kind, reverse names, names that are forwarded. */
export function seedCorpus(): Seed[] {
  const questions: [string, dnsPacket.RecordType][] = [
    [`web.apps.svc.${Z}`, 'A'],
    [`web.apps.svc.${Z}`, 'AAAA'],
    [`web.apps.svc.${Z}`, 'SRV'],
    [`_http._tcp.web.apps.svc.${Z}`, 'SRV'],
    [`db.apps.svc.${Z}`, 'A'],
    [`db-0.east.db.apps.svc.${Z}`, 'A'],
    [`nope.apps.svc.${Z}`, 'A'],
    [`dns-version.${Z}`, 'TXT'],
    [Z, 'SOA'],
    [Z, 'NS'],
    [`web.apps.svc.${Z}`, 'ANY' as dnsPacket.RecordType], // dns-packet encodes it; its types do not list it
    ['10.0.96.10.in-addr.arpa', 'PTR'],
    ['www.example.org', 'A'],
    ['WwW.ExAmPlE.oRg', 'AAAA'],
    ['example.org', 'MX'],
  ];
  const seeds: Seed[] = [];
  let id = 1;
  for (const [name, type] of questions) {
    for (const edns of [null, { size: 1232, do: false }, { size: 4096, do: true }, { size: 512, do: false, cookie: true }]) {
      const additionals: dnsPacket.Answer[] =
        edns === null
          ? []
          : [
              {
                type: 'OPT',
                name: '.',
                udpPayloadSize: edns.size,
                flags: edns.do ? dnsPacket.DNSSEC_OK : 0,
                options: 'cookie' in edns ? [{ code: 10, data: Buffer.from('0123456789abcdef', 'hex') }] : [],
              } as unknown as dnsPacket.Answer,
            ];
      const bytes = dnsPacket.encode({ type: 'query', id: id++, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }], additionals });
      seeds.push({ bytes, optAt: edns === null ? -1 : bytes.length - 11 - ('cookie' in edns ? 12 : 0) });
    }
  }
  return seeds;
}

export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'append'; readonly bytes: readonly number[] }
  /** Sets QDCOUNT (0), ANCOUNT (1), NSCOUNT (2) or ARCOUNT (3). */
  | { readonly kind: 'count'; readonly which: number; readonly value: number }
  /** A compression pointer where a name starts: to itself, or to a pointer pointing back. */
  | { readonly kind: 'loop'; readonly where: 'question' | 'appended' }
  /** A label length byte in the question changed to `len` (too long, too short, a pointer). */
  | { readonly kind: 'labelLie'; readonly label: number; readonly len: number }
  | { readonly kind: 'opcode'; readonly value: number }
  | { readonly kind: 'response' }
  /** The question repeated `n` times, QDCOUNT saying so (or not). */
  | { readonly kind: 'questions'; readonly n: number; readonly honest: boolean }
  /** One field of the OPT record set to `value`: payload size, extended rcode, version, flags, rdlength, owner; or a second OPT. */
  | { readonly kind: 'opt'; readonly field: 'size' | 'rcode' | 'version' | 'flags' | 'rdlength' | 'owner' | 'duplicate'; readonly value: number };

const HEADER = 12;

/** The end of the question name at 12 (its root byte + 1), or -1 if it does not end well. */
function questionNameEnd(b: Buffer): number {
  let p = HEADER;
  while (p < b.length && b[p]! !== 0) {
    if (b[p]! > 63) return -1;
    p += 1 + b[p]!;
  }
  return p < b.length ? p + 1 : -1;
}

function apply(b: Buffer, optAt: number, m: Mutation): Buffer {
  const at = (n: number): number => (b.length === 0 ? 0 : Math.abs(n) % b.length);
  switch (m.kind) {
    case 'flip':
      if (b.length > 0) b[at(m.at)]! ^= 1 << (m.bit & 7);
      return b;
    case 'cut':
      return b.subarray(0, at(m.at));
    case 'append':
      return Buffer.concat([b, Buffer.from(m.bytes.map((x) => x & 0xff))]);
    case 'count':
      if (b.length >= HEADER) b.writeUInt16BE(m.value & 0xffff, 4 + 2 * (Math.abs(m.which) % 4));
      return b;
    case 'loop': {
      if (b.length < HEADER + 2) return b;
      if (m.where === 'question') {
        b[HEADER] = 0xc0; // pointer to offset 12: itself
        b[HEADER + 1] = HEADER;
        return b;
      }
      // An extra additional record whose owner points at a pointer that points back.
      const start = b.length;
      const loop = Buffer.from([0xc0 | (start >> 8), start & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
      if (start < 0x3fff) {
        b.writeUInt16BE(((b.readUInt16BE(10) + 1) & 0xffff) >>> 0, 10);
        return Buffer.concat([b, loop]);
      }
      return b;
    }
    case 'labelLie': {
      let p = HEADER;
      for (let i = 0; i < Math.abs(m.label) % 8 && p < b.length && b[p]! !== 0 && b[p]! <= 63; i++) p += 1 + b[p]!;
      if (p < b.length) b[p] = m.len & 0xff;
      return b;
    }
    case 'opcode':
      if (b.length >= 4) b[2] = (b[2]! & 0x87) | ((m.value & 0xf) << 3);
      return b;
    case 'response':
      if (b.length >= 3) b[2]! |= 0x80;
      return b;
    case 'questions': {
      const end = questionNameEnd(b);
      if (end < 0 || end + 4 > b.length) return b;
      const q = b.subarray(HEADER, end + 4);
      const n = Math.max(0, Math.min(m.n, 200));
      const out = Buffer.concat([b.subarray(0, HEADER), ...Array.from({ length: n }, () => q), b.subarray(end + 4)]);
      out.writeUInt16BE(m.honest ? n : (n + 1) & 0xffff, 4);
      return out;
    }
    case 'opt': {
      if (optAt < 0 || optAt + 11 > b.length) return b;
      const v = m.value;
      switch (m.field) {
        case 'size':
          b.writeUInt16BE(v & 0xffff, optAt + 3);
          break;
        case 'rcode':
          b[optAt + 5] = v & 0xff;
          break;
        case 'version':
          b[optAt + 6] = v & 0xff;
          break;
        case 'flags':
          b.writeUInt16BE(v & 0xffff, optAt + 7);
          break;
        case 'rdlength':
          b.writeUInt16BE(v & 0xffff, optAt + 9);
          break;
        case 'owner':
          b[optAt] = v & 0xff;
          break;
        case 'duplicate': {
          const out = Buffer.concat([b, b.subarray(optAt, optAt + 11)]);
          out.writeUInt16BE((out.readUInt16BE(10) + 1) & 0xffff, 10);
          return out;
        }
      }
      return b;
    }
  }
}

/** The seed with the mutations applied in order (a fresh buffer; the seed is left as it was). */
export function mutate(seed: Seed, mutations: readonly Mutation[]): Buffer {
  let b: Buffer = Buffer.from(seed.bytes);
  for (const m of mutations) b = apply(b, seed.optAt, m);
  return b;
}

const OPT_FIELDS = ['size', 'rcode', 'version', 'flags', 'rdlength', 'owner', 'duplicate'] as const;

/** One to four mutations drawn from `random` (BENCH=fuzz; the property test has its own arbitraries). */
export function randomMutations(random: () => number): Mutation[] {
  const int = (n: number): number => Math.floor(random() * n);
  const out: Mutation[] = [];
  for (let i = 0, n = 1 + int(4); i < n; i++) {
    switch (int(10)) {
      case 0:
        out.push({ kind: 'flip', at: int(512), bit: int(8) });
        break;
      case 1:
        out.push({ kind: 'cut', at: int(512) });
        break;
      case 2:
        out.push({ kind: 'append', bytes: Array.from({ length: int(64) }, () => int(256)) });
        break;
      case 3:
        out.push({ kind: 'count', which: int(4), value: random() < 0.5 ? int(4) : int(65536) });
        break;
      case 4:
        out.push({ kind: 'loop', where: random() < 0.5 ? 'question' : 'appended' });
        break;
      case 5:
        out.push({ kind: 'labelLie', label: int(6), len: random() < 0.5 ? int(64) : 64 + int(192) });
        break;
      case 6:
        out.push({ kind: 'opcode', value: int(16) });
        break;
      case 7:
        out.push({ kind: 'response' });
        break;
      case 8:
        out.push({ kind: 'questions', n: int(40), honest: random() < 0.5 });
        break;
      default:
        out.push({ kind: 'opt', field: OPT_FIELDS[int(OPT_FIELDS.length)]!, value: int(65536) });
    }
  }
  return out;
}
