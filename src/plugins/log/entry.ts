// One query-log entry: CoreDNS's common-log fields, computed once per logged query, and the
// placeholder text they fill in a FORMAT.

import { Flag, rcodeName, typeName } from '../../dns/constants.js';
import type { Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import { responseSize } from '../../ops/dns-metrics.js';

export interface LogEntry {
  readonly remote: string;
  readonly port: number;
  readonly id: number;
  readonly type: string;
  readonly class: string;
  readonly name: string;
  readonly proto: string;
  /** Request size in bytes. */
  readonly size: number;
  readonly do: boolean;
  /** EDNS buffer size advertised (512 without EDNS, 65535 over TCP), as CoreDNS's {>bufsize}. */
  readonly bufsize: number;
  readonly rcode: string;
  readonly rflags: string;
  /** Response size in bytes. */
  readonly rsize: number;
  /** Seconds. */
  readonly duration: number;
  readonly opcode: string;
}

const CLASSES: ReadonlyMap<number, string> = new Map([[1, 'IN'], [3, 'CH'], [4, 'HS'], [254, 'NONE'], [255, 'ANY']]);
const OPCODES = ['QUERY', 'IQUERY', 'STATUS', 'RESERVED3', 'NOTIFY', 'UPDATE'];

/** Response flags in miekg/dns order ("qr,aa,rd,ra"). */
function responseFlags(req: Request, reply: Reply): string {
  const f = req.flags;
  const r = reply.flags;
  let s = 'qr';
  if (r & Flag.AA) s += ',aa';
  if (f & Flag.RD) s += ',rd';
  if (r & Flag.RA) s += ',ra';
  if (r & Flag.AD) s += ',ad';
  if (f & Flag.CD) s += ',cd';
  return s;
}

export function logEntry(req: Request, reply: Reply, seconds: number): LogEntry {
  const opcode = (req.flags >> 11) & 0xf;
  return {
    remote: req.remoteAddress,
    port: req.remotePort,
    id: req.id,
    type: typeName(req.question.type),
    class: CLASSES.get(req.question.class) ?? `CLASS${req.question.class}`,
    name: req.question.lname,
    proto: req.proto,
    size: req.raw.length,
    do: req.edns?.do ?? false,
    bufsize: req.proto === 'tcp' ? 65535 : Math.max(512, req.edns?.udpSize ?? 512),
    rcode: rcodeName(reply.rcode),
    rflags: responseFlags(req, reply),
    rsize: responseSize(req, reply),
    duration: seconds,
    opcode: OPCODES[opcode] ?? String(opcode),
  };
}

/** The text of one placeholder (without braces), or null when it is not one we know. */
export function placeholder(e: LogEntry, key: string): string | null {
  switch (key) {
    case 'type': return e.type;
    case 'name': return e.name;
    case 'class': return e.class;
    case 'proto': return e.proto;
    case 'remote': return e.remote.includes(':') ? `[${e.remote}]` : e.remote;
    case 'local': return '-';
    case 'size': return String(e.size);
    case 'port': return String(e.port);
    case 'duration': return `${e.duration}s`;
    case 'rcode': return e.rcode;
    case 'rsize': return String(e.rsize);
    case '>rflags': return e.rflags;
    case '>bufsize': return String(e.bufsize);
    case '>do': return String(e.do);
    case '>id': return String(e.id);
    case '>opcode': return e.opcode;
    default: return key.startsWith('/') ? '-' : null;
  }
}
