// Resource records as plain data: what record synthesis produces and tests compare. `toZoneLine`
// prints them the way zone files (and CoreDNS's test helpers) write them.

import { QType } from '../constants.js';

interface Base {
  /** Owner name, fully qualified with a trailing dot. */
  readonly name: string;
  readonly ttl: number;
}

export type RR =
  | (Base & { readonly type: typeof QType.A; readonly address: string })
  | (Base & { readonly type: typeof QType.AAAA; readonly address: string })
  | (Base & { readonly type: typeof QType.SRV; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string })
  | (Base & { readonly type: typeof QType.TXT; readonly texts: readonly string[] })
  | (Base & { readonly type: typeof QType.NS; readonly target: string })
  | (Base & { readonly type: typeof QType.PTR; readonly target: string })
  | (Base & { readonly type: typeof QType.HINFO; readonly cpu: string; readonly os: string })
  | (Base & {
      readonly type: typeof QType.SOA;
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    });

const quote = (s: string): string => `"${s.replace(/["\\]/g, (c) => '\\' + c)}"`;

export function toZoneLine(rr: RR): string {
  const head = `${rr.name} ${rr.ttl} IN`;
  switch (rr.type) {
    case QType.A:
      return `${head} A ${rr.address}`;
    case QType.AAAA:
      return `${head} AAAA ${rr.address}`;
    case QType.SRV:
      return `${head} SRV ${rr.priority} ${rr.weight} ${rr.port} ${rr.target}`;
    case QType.TXT:
      return `${head} TXT ${rr.texts.map(quote).join(' ')}`;
    case QType.NS:
      return `${head} NS ${rr.target}`;
    case QType.PTR:
      return `${head} PTR ${rr.target}`;
    case QType.HINFO:
      return `${head} HINFO ${quote(rr.cpu)} ${quote(rr.os)}`;
    case QType.SOA:
      return `${head} SOA ${rr.mname} ${rr.rname} ${rr.serial} ${rr.refresh} ${rr.retry} ${rr.expire} ${rr.minimum}`;
  }
}
