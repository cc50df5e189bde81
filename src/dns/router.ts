// Picks the server block for a name among the blocks listening on one address: the block whose
// zone is the longest suffix of the name (CoreDNS / hickory Catalog semantics). None: REFUSED.

import type { ServerBlockRuntime } from './server-block.js';
import { inZone } from './zones.js';

export interface Route {
  readonly block: ServerBlockRuntime;
  readonly zone: string;
}

export class ZoneRouter {
  /** Zones sorted longest first, each with its block. */
  readonly #entries: readonly Route[];

  constructor(blocks: readonly ServerBlockRuntime[]) {
    const entries: Route[] = [];
    for (const block of blocks) for (const zone of block.zones) entries.push({ block, zone });
    entries.sort((a, b) => labelCount(b.zone) - labelCount(a.zone) || b.zone.length - a.zone.length);
    this.#entries = entries;
  }

  route(lname: string): Route | null {
    for (const e of this.#entries) if (inZone(lname, e.zone)) return e;
    return null;
  }

  get blocks(): readonly ServerBlockRuntime[] {
    return [...new Set(this.#entries.map((e) => e.block))];
  }
}

function labelCount(zone: string): number {
  if (zone === '.') return 0;
  let n = 0;
  for (let i = 0; i < zone.length; i++) if (zone.charCodeAt(i) === 0x2e) n++;
  return n;
}
