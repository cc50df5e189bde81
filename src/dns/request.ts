// The parsed form of one incoming query, as every plugin sees it. Built by dns/query-reader.ts
// after the header checks; nothing here is mutated after construction.

export interface Question {
  /** The name exactly as sent, dotted, with a trailing dot ("Service1.Provider-NS.svc.clusterset.local."). */
  readonly name: string;
  /** Lower-cased `name`; what lookups and zone routing use. */
  readonly lname: string;
  readonly type: number;
  readonly class: number;
}

export interface Edns {
  /** Advertised UDP payload size (as sent; the writer clamps it to >= 512). */
  readonly udpSize: number;
  readonly version: number;
  readonly do: boolean;
}

export type Transport = 'udp' | 'tcp';

export interface Request {
  readonly id: number;
  /** Header flags word as received (opcode, RD, CD, ...). */
  readonly flags: number;
  readonly question: Question;
  /** Wire bytes of the question section (name + type + class) exactly as received, uncompressed. */
  readonly questionWire: Uint8Array;
  readonly edns: Edns | null;
  readonly proto: Transport;
  readonly family: 4 | 6;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The server block's key as CoreDNS names it in metrics: "dns://:53". */
  readonly server: string;
  /** The zone of the server block that took the query (lower case, trailing dot). */
  readonly zone: string;
  /** The raw query packet (for plugins that forward it verbatim). */
  readonly raw: Uint8Array;
}

export function recursionDesired(req: Request): boolean {
  return (req.flags & 0x0100) !== 0;
}

export function checkingDisabled(req: Request): boolean {
  return (req.flags & 0x0010) !== 0;
}
