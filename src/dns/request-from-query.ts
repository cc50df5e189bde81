// The one place a Request is assembled: a read query, where it came from, and the block that took it.

import type { ReadResult } from './query-reader.js';
import type { Request, Transport } from './request.js';

export interface Origin {
  readonly proto: Transport;
  readonly family: 4 | 6;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export function requestFromQuery(
  q: Extract<ReadResult, { kind: 'query' }>,
  raw: Uint8Array,
  origin: Origin,
  route: { readonly server: string; readonly zone: string },
): Request {
  return {
    id: q.id,
    flags: q.flags,
    question: q.question,
    questionWire: q.questionWire,
    edns: q.edns,
    proto: origin.proto,
    family: origin.family,
    remoteAddress: origin.remoteAddress,
    remotePort: origin.remotePort,
    server: route.server,
    zone: route.zone,
    raw,
  };
}
