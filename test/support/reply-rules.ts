// What any reply to any packet must satisfy (RFC 1035 4.1.1, RFC 6891, RFC 7766 and the README's
// wire rules), checked with an independent decoder (dns-packet), for the property test and
// BENCH=fuzz: no reply only to packets shorter than a header or with QR set; otherwise a message
// that decodes to its last byte, with the query's ID, opcode, RD and CD, QR set, the query's first
// question byte for byte (or none), NOTIMP for other opcodes, FORMERR without exactly one
// question, an rcode of the standard set, TC only over UDP, and a size within what the transport
// and EDNS allow.

import dnsPacket from 'dns-packet';

const KNOWN_RCODES = new Set([0, 1, 2, 3, 4, 5, 16]); // NOERROR..REFUSED, BADVERS

/** The length of the question at 12 (labels only, as the server reads it), or -1 if none. */
function questionLength(b: Uint8Array): number {
  let p = 12;
  while (p < b.length && b[p]! !== 0) {
    if (b[p]! > 63) return -1;
    p += 1 + b[p]!;
  }
  return p + 5 <= b.length ? p + 5 - 12 : -1;
}

/** The violations of the rules by `reply` to `query` (empty when it keeps them all). */
export function replyViolations(query: Uint8Array, proto: 'udp' | 'tcp', reply: Uint8Array | null, bufsize = 1232): string[] {
  const dropped = query.length < 12 || (query[2]! & 0x80) !== 0;
  if (reply === null) return dropped ? [] : ['no reply to a query'];
  if (dropped) return ['a reply to a packet that must be dropped'];
  const out: string[] = [];
  let decoded: dnsPacket.Packet;
  try {
    decoded = dnsPacket.decode(Buffer.from(reply));
  } catch (err) {
    return [`undecodable reply: ${(err as Error).message}`];
  }
  const used = (dnsPacket.decode as unknown as { bytes: number }).bytes;
  if (used !== reply.length) out.push(`${reply.length - used} bytes after the last record`);
  if (reply[0] !== query[0] || reply[1] !== query[1]) out.push('ID differs');
  if ((reply[2]! & 0x80) === 0) out.push('QR not set');
  const opcode = (query[2]! >> 3) & 0xf;
  if (((reply[2]! >> 3) & 0xf) !== opcode) out.push('opcode differs');
  if ((reply[2]! & 0x01) !== (query[2]! & 0x01)) out.push('RD not copied');
  if ((reply[3]! & 0x10) !== (query[3]! & 0x10)) out.push('CD not copied');
  const opt = (decoded.additionals ?? []).filter((r) => r.type === 'OPT') as unknown as { extendedRcode?: number }[];
  if (opt.length > 1) out.push('more than one OPT');
  const rcode = ((opt[0]?.extendedRcode ?? 0) << 4) | (reply[3]! & 0x0f);
  if (!KNOWN_RCODES.has(rcode)) out.push(`rcode ${rcode}`);
  const qd = (query[4]! << 8) | query[5]!;
  if (opcode !== 0 && rcode !== 4) out.push(`opcode ${opcode} answered with rcode ${rcode}, not NOTIMP`);
  if (opcode === 0 && qd !== 1 && rcode !== 1) out.push(`QDCOUNT ${qd} answered with rcode ${rcode}, not FORMERR`);
  const rqd = (reply[4]! << 8) | reply[5]!;
  if (rqd > 1) out.push(`QDCOUNT ${rqd} in the reply`);
  if (rqd === 1) {
    const len = questionLength(reply);
    if (len < 0 || Buffer.compare(Buffer.from(reply.subarray(12, 12 + len)), Buffer.from(query.subarray(12, 12 + len))) !== 0) {
      out.push("the question is not the query's, byte for byte");
    }
  }
  const tc = (reply[2]! & 0x02) !== 0;
  if (proto === 'tcp' && tc) out.push('TC over TCP');
  const limit = proto === 'tcp' ? 65535 : opt.length > 0 ? bufsize : 512;
  if (reply.length > limit) out.push(`${reply.length} bytes over ${proto} (limit ${limit})`);
  return out;
}
