// Sorts a reply into what the cache does with it (CoreDNS's response.Typify) and finds the TTL it
// may be kept for (dnsutil.MinimalTTL, plus RFC 2308's SOA MINIMUM for negative answers), reading
// the wire in place.

import { Flag, QType, Rcode } from '../../dns/constants.js';
import type { MessageLayout } from '../../dns/wire/layout.js';
import { recordAt } from '../../dns/wire/layout.js';

export type ReplyClass =
  /** NOERROR with answers, a delegation, or NOERROR without SOA: the success cache. */
  | 'success'
  /** NXDOMAIN or NODATA with an SOA in authority: the denial cache. */
  | 'denial'
  /** SERVFAIL or NOTIMP: the denial cache for the `servfail` duration. */
  | 'servfail'
  | 'uncacheable';

export interface Classified {
  readonly kind: ReplyClass;
  /** Seconds the message's records allow, before the cache's min/max are applied. */
  readonly ttl: number;
  /** Offset of every record's TTL field (OPT excluded). */
  readonly ttlOffsets: Uint32Array;
}

/** CoreDNS's MinimalDefaultTTL and MaximumDefaulTTL, in seconds. */
const DEFAULT_TTL = 5;
const MAXIMUM_TTL = 3600;

function readU32(buf: Uint8Array, p: number): number {
  return ((buf[p]! << 24) >>> 0) + (buf[p + 1]! << 16) + (buf[p + 2]! << 8) + buf[p + 3]!;
}

export function classify(wire: Uint8Array, layout: MessageLayout, rcode: number): Classified {
  const recs = layout.records;
  const n = recs.length / 2;
  const ttlOffsets = new Uint32Array(n);
  let minTtl = MAXIMUM_TTL;
  let soaMinimum = -1;
  let nsCount = 0;
  const [an, ns] = layout.counts;
  for (let i = 0; i < n; i++) {
    const rec = recordAt(wire, recs[i * 2]!);
    ttlOffsets[i] = rec.ttlAt;
    minTtl = Math.min(minTtl, readU32(wire, rec.ttlAt));
    if (i >= an && i < an + ns) {
      if (rec.type === QType.SOA && rec.end - 4 >= rec.rdataStart) soaMinimum = readU32(wire, rec.end - 4);
      else if (rec.type === QType.NS) nsCount++;
    }
  }
  const flags = (wire[2]! << 8) | wire[3]!;
  const opcode = (flags >> 11) & 0xf;
  let kind: ReplyClass;
  if ((flags & Flag.TC) !== 0 || opcode !== 0) kind = 'uncacheable';
  else if (rcode === Rcode.NOERROR && an > 0) kind = 'success';
  else if (soaMinimum >= 0 && (rcode === Rcode.NOERROR || rcode === Rcode.NXDOMAIN)) kind = 'denial';
  else if (rcode === Rcode.SERVFAIL || rcode === Rcode.NOTIMP) kind = 'servfail';
  else if (rcode === Rcode.NOERROR) kind = 'success';
  else kind = 'uncacheable';

  let ttl = DEFAULT_TTL;
  const typed = (kind === 'success' && (an > 0 || nsCount === 0)) || kind === 'denial';
  if (typed && n > 0) ttl = kind === 'denial' && soaMinimum >= 0 ? Math.min(minTtl, soaMinimum) : minTtl;
  return { kind, ttl, ttlOffsets };
}
