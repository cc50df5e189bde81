// DNS numbers we use by name: record types, classes, rcodes, header flag bits.

export const QType = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33,
  OPT: 41, DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48, IXFR: 251, AXFR: 252, ANY: 255,
} as const;

export const QClass = { IN: 1, CH: 3, NONE: 254, ANY: 255 } as const;

export const Rcode = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16,
} as const;

export const Opcode = { QUERY: 0 } as const;

/** Bits of the 16-bit flags word (header bytes 2..3). */
export const Flag = {
  QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, AD: 0x0020, CD: 0x0010,
} as const;

export const HEADER_SIZE = 12;
export const MAX_UDP_NO_EDNS = 512;
export const DEFAULT_BUFSIZE = 1232;
export const MAX_TCP_MESSAGE = 65535;

const typeNames = new Map<number, string>(Object.entries(QType).map(([k, v]) => [v, k]));
const rcodeNames = new Map<number, string>(Object.entries(Rcode).map(([k, v]) => [v, k]));

/** CoreDNS-style type name ("A", "TYPE65534" for unknown ones). */
export function typeName(t: number): string {
  return typeNames.get(t) ?? `TYPE${t}`;
}

export function rcodeName(r: number): string {
  return rcodeNames.get(r) ?? `RCODE${r}`;
}
