// Reads an incoming packet in the order protocol.md prescribes: header checks first (before any
// allocation), then a question walk that follows no pointers, then the OPT record. The result is a
// drop, an error to answer, or the parts of a Request.

import { Flag, HEADER_SIZE, Opcode, QClass, QType, Rcode } from './constants.js';
import type { Edns, Question } from './request.js';
import { WireError, labelText, readName, skipName } from './wire/names.js';
import { recordAt } from './wire/layout.js';

export type DropReason = 'short' | 'response';

export interface QueryHead {
  readonly id: number;
  readonly flags: number;
  /** The question's wire bytes when it could be parsed, else null. */
  readonly questionWire: Uint8Array | null;
  readonly edns: Edns | null;
}

export type ReadResult =
  | { readonly kind: 'drop'; readonly reason: DropReason }
  | (QueryHead & { readonly kind: 'error'; readonly rcode: number })
  | (QueryHead & { readonly kind: 'query'; readonly question: Question; readonly questionWire: Uint8Array });

const DROP_SHORT = Object.freeze({ kind: 'drop', reason: 'short' } as const);
const DROP_RESPONSE = Object.freeze({ kind: 'drop', reason: 'response' } as const);

export interface ParsedQuestion {
  readonly question: Question;
  readonly end: number;
}

/**
 * Parses the question at offset 12 (the bytes before it are not read): labels only (a pointer
 * in a question is malformed). Plain names (letters, digits, '-', '_', '*') are decoded with one
 * latin1 read of the name bytes with the length octets turned into dots; anything else takes the
 * escaping path.
 */
export function readQuestion(buf: Uint8Array): ParsedQuestion | null {
  let p = HEADER_SIZE;
  let plain = true;
  let upper = false;
  for (;;) {
    if (p >= buf.length) return null;
    const len = buf[p]!;
    if (len === 0) break;
    if (len > 63) return null; // pointers and reserved label types
    if (p + 1 + len > buf.length) return null;
    for (let i = p + 1; plain && i <= p + len; i++) {
      const c = buf[i]!;
      if (c >= 0x41 && c <= 0x5a) upper = true;
      else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x2a)) plain = false;
    }
    p += 1 + len;
    if (p - HEADER_SIZE > 255) return null;
  }
  const nameEnd = p + 1;
  if (nameEnd + 4 > buf.length) return null;
  let name: string;
  let lname: string;
  if (nameEnd === HEADER_SIZE + 1) {
    name = lname = '.';
  } else if (plain) {
    // Turn each length octet after the first into a dot, read bytes 13..p as latin1
    // ("label.label."), and put the octets back: no copy of the name. Nothing runs in between.
    const octets: number[] = [];
    let at = HEADER_SIZE;
    let len = buf[at]!;
    while (len !== 0) {
      const next = at + 1 + len;
      const following = buf[next]!;
      octets.push(following);
      buf[next] = 0x2e;
      at = next;
      len = following;
    }
    const b = buf instanceof Buffer ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    name = b.toString('latin1', HEADER_SIZE + 1, p + 1);
    at = HEADER_SIZE;
    len = buf[at]!;
    for (const o of octets) {
      const next = at + 1 + len;
      buf[next] = o;
      at = next;
      len = o;
    }
    lname = upper ? name.toLowerCase() : name;
  } else {
    name = '';
    let at = HEADER_SIZE;
    while (buf[at] !== 0) {
      const len = buf[at]!;
      name += labelText(buf, at + 1, len) + '.';
      at += len + 1;
    }
    lname = /[A-Z]/.test(name) ? name.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : name;
  }
  const type = (buf[nameEnd]! << 8) | buf[nameEnd + 1]!;
  const klass = (buf[nameEnd + 2]! << 8) | buf[nameEnd + 3]!;
  return { question: { name, lname, type, class: klass }, end: nameEnd + 4 };
}

/** Finds the OPT record among the records after the question. Throws WireError when malformed. */
function readEdns(buf: Uint8Array, start: number, an: number, ns: number, ar: number): Edns | null {
  let p = start;
  // Owner names are read in full (not just skipped) so that pointer loops and pointers past the
  // end make the query malformed, as a full parser would find.
  for (let i = 0; i < an + ns; i++) {
    readName(buf, p);
    p = recordAt(buf, p).end;
  }
  let edns: Edns | null = null;
  for (let i = 0; i < ar; i++) {
    readName(buf, p);
    const rec = recordAt(buf, p);
    if (rec.type === QType.OPT) {
      if (edns !== null) throw new WireError('more than one OPT record');
      if (buf[p] !== 0) throw new WireError('OPT owner is not the root');
      const ttl = rec.ttlAt;
      edns = {
        udpSize: rec.class,
        version: buf[ttl + 1]!,
        do: (buf[ttl + 2]! & 0x80) !== 0,
      };
    }
    p = rec.end;
  }
  return edns;
}

export function readQuery(buf: Uint8Array): ReadResult {
  if (buf.length < HEADER_SIZE) return DROP_SHORT;
  const flags = (buf[2]! << 8) | buf[3]!;
  if ((flags & Flag.QR) !== 0) return DROP_RESPONSE;
  const id = (buf[0]! << 8) | buf[1]!;
  const qd = (buf[4]! << 8) | buf[5]!;
  const opcode = (flags >> 11) & 0xf;
  const parsed = qd >= 1 ? readQuestion(buf) : null;
  const questionWire = parsed === null ? null : buf.subarray(HEADER_SIZE, parsed.end);
  if (opcode !== Opcode.QUERY) {
    return { kind: 'error', rcode: Rcode.NOTIMP, id, flags, questionWire, edns: null };
  }
  if (parsed === null || qd !== 1) {
    return { kind: 'error', rcode: Rcode.FORMERR, id, flags, questionWire: qd === 1 ? null : questionWire, edns: null };
  }
  const an = (buf[6]! << 8) | buf[7]!;
  const ns = (buf[8]! << 8) | buf[9]!;
  const ar = (buf[10]! << 8) | buf[11]!;
  let edns: Edns | null = null;
  if (an + ns + ar > 0) {
    try {
      edns = readEdns(buf, parsed.end, an, ns, ar);
    } catch (e) {
      if (e instanceof WireError) return { kind: 'error', rcode: Rcode.FORMERR, id, flags, questionWire, edns: null };
      throw e;
    }
  }
  if (edns !== null && edns.version > 0) {
    return { kind: 'error', rcode: Rcode.BADVERS, id, flags, questionWire, edns };
  }
  if (parsed.question.class !== QClass.IN) {
    return { kind: 'error', rcode: Rcode.REFUSED, id, flags, questionWire, edns };
  }
  return { kind: 'query', id, flags, question: parsed.question, questionWire: questionWire!, edns };
}

// skipName is re-exported for callers that walk further sections of a query.
export { skipName };
