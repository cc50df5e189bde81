// Turns a Reply into the bytes sent to one client: the client's ID, opcode, RD and CD and its exact
// question bytes (0x20 case) patched in, our OPT record when the client sent EDNS, and truncation at
// record boundaries within the size the transport allows (TC only when answer/authority records had
// to go; dropping Additional records alone does not set it).

import { Flag, HEADER_SIZE, MAX_TCP_MESSAGE, MAX_UDP_NO_EDNS, QType } from './constants.js';
import type { Reply } from './reply.js';
import type { QueryHead } from './query-reader.js';
import type { Transport } from './request.js';

export interface WriterSettings {
  /** Our EDNS payload size (bufsize). */
  readonly bufsize: number;
}

const OPT_SIZE = 11;

/** Buffer.copy without making a subarray view first (one allocation less per reply). */
function copyBytes(src: Uint8Array, dst: Uint8Array, at: number, start: number, end: number): void {
  Buffer.prototype.copy.call(src, dst, at, start, end);
}

/** The most bytes a reply to this query may have on this transport. */
export function responseLimit(head: QueryHead, proto: Transport, bufsize: number): number {
  if (proto === 'tcp') return MAX_TCP_MESSAGE;
  if (head.edns === null) return MAX_UDP_NO_EDNS;
  return Math.max(MAX_UDP_NO_EDNS, Math.min(head.edns.udpSize, bufsize));
}

function writeOpt(out: Uint8Array, p: number, bufsize: number, rcode: number, dnssecOk: boolean): void {
  out[p] = 0; // root owner
  out[p + 1] = 0;
  out[p + 2] = QType.OPT;
  out[p + 3] = (bufsize >> 8) & 0xff;
  out[p + 4] = bufsize & 0xff;
  out[p + 5] = (rcode >> 4) & 0xff; // extended rcode, upper 8 bits
  out[p + 6] = 0; // version
  out[p + 7] = dnssecOk ? 0x80 : 0;
  out[p + 8] = 0;
  out[p + 9] = 0; // rdlength
  out[p + 10] = 0;
}

export function writeResponse(
  head: QueryHead,
  reply: Reply,
  limit: number,
  settings: WriterSettings,
): Uint8Array {
  const q = head.questionWire;
  const qLen = q === null ? 0 : q.length;
  const optLen = head.edns === null ? 0 : OPT_SIZE;
  const wire = reply.wire;
  let an = 0;
  let ns = 0;
  let ar = 0;
  let bodyStart = 0;
  let bodyEnd = 0;
  let truncated = false;
  if (wire !== null) {
    const layout = reply.layout();
    const recs = layout.records;
    const n = recs.length / 2;
    const budget = limit - HEADER_SIZE - qLen - optLen;
    bodyStart = n > 0 ? recs[0]! : layout.questionEnd;
    // Records are contiguous except around a stripped OPT; find how many fit.
    let keep = 0;
    let size = 0;
    let contiguous = true;
    for (let i = 0; i < n; i++) {
      const s = recs[i * 2]!;
      const e = recs[i * 2 + 1]!;
      if (i > 0 && s !== recs[i * 2 - 1]!) contiguous = false;
      if (size + (e - s) > budget) break;
      size += e - s;
      keep++;
    }
    const [c0, c1, c2] = layout.counts;
    an = Math.min(keep, c0);
    ns = Math.min(Math.max(keep - c0, 0), c1);
    ar = Math.min(Math.max(keep - c0 - c1, 0), c2);
    if (keep < c0 + c1) {
      truncated = true;
      ns = keep < c0 ? 0 : ns;
      ar = 0;
      keep = an + ns;
    }
    if (contiguous || keep === 0) {
      bodyEnd = keep > 0 ? recs[keep * 2 - 1]! : bodyStart;
    } else {
      return writeGathered(head, reply, recs, keep, [an, ns, ar], truncated, settings, qLen, optLen);
    }
  }
  const bodyLen = bodyEnd - bodyStart;
  const out = Buffer.allocUnsafe(HEADER_SIZE + qLen + bodyLen + optLen);
  writeHeader(out, head, reply, truncated, settings, q === null ? 0 : 1, an, ns, ar + (optLen > 0 ? 1 : 0));
  if (q !== null) out.set(q, HEADER_SIZE);
  if (wire !== null && bodyLen > 0) copyBytes(wire, out, HEADER_SIZE + qLen, bodyStart, bodyEnd);
  if (optLen > 0) writeOpt(out, HEADER_SIZE + qLen + bodyLen, settings.bufsize, reply.rcode, head.edns!.do);
  return out;
}

/** Slow path: records are not contiguous (an OPT sat between them); copy them one by one. */
function writeGathered(
  head: QueryHead,
  reply: Reply,
  recs: Uint32Array,
  keep: number,
  counts: [number, number, number],
  truncated: boolean,
  settings: WriterSettings,
  qLen: number,
  optLen: number,
): Uint8Array {
  const wire = reply.wire!;
  let bodyLen = 0;
  for (let i = 0; i < keep; i++) bodyLen += recs[i * 2 + 1]! - recs[i * 2]!;
  const out = Buffer.allocUnsafe(HEADER_SIZE + qLen + bodyLen + optLen);
  writeHeader(out, head, reply, truncated, settings, 1, counts[0], counts[1], counts[2] + (optLen > 0 ? 1 : 0));
  out.set(head.questionWire!, HEADER_SIZE);
  let p = HEADER_SIZE + qLen;
  for (let i = 0; i < keep; i++) {
    copyBytes(wire, out, p, recs[i * 2]!, recs[i * 2 + 1]!);
    p += recs[i * 2 + 1]! - recs[i * 2]!;
  }
  if (optLen > 0) writeOpt(out, p, settings.bufsize, reply.rcode, head.edns!.do);
  return out;
}

function writeHeader(
  out: Uint8Array,
  head: QueryHead,
  reply: Reply,
  truncated: boolean,
  settings: WriterSettings,
  qd: number,
  an: number,
  ns: number,
  ar: number,
): void {
  let flags =
    Flag.QR |
    (head.flags & 0x7800) | // opcode
    (head.flags & (Flag.RD | Flag.CD)) |
    // RA only when the plugin's reply has it (an upstream's, through forward or cache), as in
    // CoreDNS: so the query log's {rflags} and the wire always agree.
    (reply.flags & (Flag.AA | Flag.AD | Flag.RA)) |
    (reply.rcode & 0xf);
  if (truncated) flags |= Flag.TC;
  out[0] = (head.id >> 8) & 0xff;
  out[1] = head.id & 0xff;
  out[2] = flags >> 8;
  out[3] = flags & 0xff;
  out[4] = 0;
  out[5] = qd;
  out[6] = an >> 8;
  out[7] = an & 0xff;
  out[8] = ns >> 8;
  out[9] = ns & 0xff;
  out[10] = ar >> 8;
  out[11] = ar & 0xff;
}
