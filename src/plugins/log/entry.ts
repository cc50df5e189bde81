// One query-log entry: CoreDNS's common-log fields of a logged query. The plugin fills one entry
// in place per query (no allocation on the hot path); every string in it is either the request's
// own or taken from a fixed table.

import { Flag, rcodeName, typeName } from '../../dns/constants.js';
import type { Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import { responseSize } from '../../ops/dns-metrics.js';

export interface LogEntry {
  remote: string;
  port: number;
  id: number;
  type: string;
  class: string;
  /** Lower case with the trailing dot, as CoreDNS's {name}. */
  name: string;
  proto: string;
  /** Request size in bytes. */
  size: number;
  do: boolean;
  /** EDNS buffer size advertised (512 without EDNS, 65535 over TCP), as CoreDNS's {>bufsize}. */
  bufsize: number;
  rcode: string;
  rflags: string;
  /** Response size in bytes. */
  rsize: number;
  /** Whole nanoseconds; written as seconds, as CoreDNS prints a Go duration ("0.000123456s"). */
  durationNs: number;
  opcode: string;
}

export function emptyLogEntry(): LogEntry {
  return { remote: '', port: 0, id: 0, type: '', class: '', name: '', proto: '', size: 0, do: false, bufsize: 0, rcode: '', rflags: '', rsize: 0, durationNs: 0, opcode: '' };
}

const CLASSES: ReadonlyMap<number, string> = new Map([[1, 'IN'], [3, 'CH'], [4, 'HS'], [254, 'NONE'], [255, 'ANY']]);
const OPCODES = ['QUERY', 'IQUERY', 'STATUS', 'RESERVED3', 'NOTIFY', 'UPDATE'];

/** Response flags in miekg/dns order ("qr,aa,rd,ra"), one string per combination, made once. */
const FLAG_TEXT: readonly string[] = Array.from({ length: 32 }, (_, bits) => {
  let s = 'qr';
  if (bits & 1) s += ',aa';
  if (bits & 2) s += ',rd';
  if (bits & 4) s += ',ra';
  if (bits & 8) s += ',ad';
  if (bits & 16) s += ',cd';
  return s;
});

/** {>rflags}: the response's flags as CoreDNS prints them, from the request's and reply's header flags. */
export function responseFlags(requestFlags: number, replyFlags: number): string {
  const f = requestFlags;
  const r = replyFlags;
  return FLAG_TEXT[(r & Flag.AA ? 1 : 0) | (f & Flag.RD ? 2 : 0) | (r & Flag.RA ? 4 : 0) | (r & Flag.AD ? 8 : 0) | (f & Flag.CD ? 16 : 0)]!;
}

export function className(c: number): string {
  return CLASSES.get(c) ?? `CLASS${c}`;
}

/** {>opcode} of a request with these header flags. */
export function opcodeName(requestFlags: number): string {
  const opcode = (requestFlags >> 11) & 0xf;
  return OPCODES[opcode] ?? String(opcode);
}

/** {>bufsize}: the EDNS buffer size advertised, 512 without EDNS, 65535 over TCP. */
export function bufsizeOf(tcp: boolean, ednsUdpSize: number | null): number {
  return tcp ? 65535 : Math.max(512, ednsUdpSize ?? 512);
}

/** Fills `e` with the fields of one answered query. */
export function fillLogEntry(e: LogEntry, req: Request, reply: Reply, durationNs: number): void {
  e.remote = req.remoteAddress;
  e.port = req.remotePort;
  e.id = req.id;
  e.type = typeName(req.question.type);
  e.class = className(req.question.class);
  e.name = req.question.lname;
  e.proto = req.proto;
  e.size = req.raw.length;
  e.do = req.edns?.do ?? false;
  e.bufsize = bufsizeOf(req.proto === 'tcp', req.edns?.udpSize ?? null);
  e.rcode = rcodeName(reply.rcode);
  e.rflags = responseFlags(req.flags, reply.flags);
  e.rsize = responseSize(req, reply);
  e.durationNs = durationNs;
  e.opcode = opcodeName(req.flags);
}
