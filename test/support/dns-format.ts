// Decodes a response with dns-packet (an independent decoder) into zone-file lines, sorted per
// section, so DNS cases compare as text.

import dnsPacket from 'dns-packet';

export interface Decoded {
  readonly id: number;
  readonly rcode: string;
  readonly flags: { qr: boolean; aa: boolean; tc: boolean; rd: boolean; ra: boolean };
  readonly question: string[];
  readonly answer: string[];
  readonly authority: string[];
  readonly additional: string[];
  readonly opt: { udpPayloadSize: number; flags: number; extendedRcode: number } | null;
  readonly packet: dnsPacket.Packet;
}

const fq = (n: string): string => (n.endsWith('.') ? n : `${n}.`);

export function zoneLine(a: dnsPacket.Answer): string {
  const head = `${fq(a.name)} ${'ttl' in a ? a.ttl : 0} IN ${a.type}`;
  const d = (a as { data?: unknown }).data as never;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return `${head} ${d}`;
    case 'SRV': {
      const s = d as { priority: number; weight: number; port: number; target: string };
      return `${head} ${s.priority} ${s.weight} ${s.port} ${fq(s.target)}`;
    }
    case 'TXT': {
      const t = (Array.isArray(d) ? d : [d]) as (Buffer | string)[];
      return `${head} ${t.map((x) => `"${x.toString()}"`).join(' ')}`;
    }
    case 'SOA': {
      const s = d as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
      return `${head} ${fq(s.mname)} ${fq(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case 'NS':
    case 'PTR':
    case 'CNAME':
      return `${head} ${fq(d as string)}`;
    case 'HINFO': {
      const h = d as { cpu: string; os: string };
      return `${head} "${h.cpu}" "${h.os}"`;
    }
    default:
      return `${head} ?`;
  }
}

export function decode(bytes: Uint8Array): Decoded {
  const p = dnsPacket.decode(Buffer.from(bytes));
  const opt = (p.additionals ?? []).find((r) => r.type === 'OPT') as
    | { udpPayloadSize: number; flags: number; extendedRcode: number }
    | undefined;
  const flags = p.flags ?? 0;
  return {
    id: p.id ?? 0,
    rcode: (p as { rcode?: string }).rcode ?? 'NOERROR',
    flags: {
      qr: p.type === 'response',
      aa: (flags & 0x0400) !== 0,
      tc: (flags & 0x0200) !== 0,
      rd: (flags & 0x0100) !== 0,
      ra: (flags & 0x0080) !== 0,
    },
    question: (p.questions ?? []).map((q) => `${fq(q.name)} ${q.type}`),
    answer: (p.answers ?? []).map(zoneLine).sort(),
    authority: (p.authorities ?? []).map(zoneLine).sort(),
    additional: (p.additionals ?? []).filter((r) => r.type !== 'OPT').map(zoneLine).sort(),
    opt: opt ? { udpPayloadSize: opt.udpPayloadSize, flags: opt.flags, extendedRcode: opt.extendedRcode } : null,
    packet: p,
  };
}

export interface QueryOptions {
  readonly id?: number;
  readonly edns?: { udpSize?: number; do?: boolean } | false;
  readonly rd?: boolean;
  readonly qclass?: string;
}

export function encodeQuery(name: string, type: string, opts: QueryOptions = {}): Buffer {
  const edns = opts.edns === undefined ? false : opts.edns;
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 4242,
    flags: opts.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as dnsPacket.RecordType, class: (opts.qclass ?? 'IN') as dnsPacket.RecordClass }],
    additionals:
      edns === false
        ? []
        : [{ type: 'OPT', name: '.', udpPayloadSize: edns.udpSize ?? 1232, flags: edns.do ? dnsPacket.DNSSEC_OK : 0 } as dnsPacket.Answer],
  });
}
