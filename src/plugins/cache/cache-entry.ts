// One cached reply: the message as the plugin below produced it, where its TTL fields are, when it
// was stored and for how long, and how often it is asked for (for prefetch). Serving copies the
// bytes and writes the remaining TTL into every record, so the stored message never changes.

import { Flag } from '../../dns/constants.js';
import { wireReply, type Reply } from '../../dns/reply.js';
import type { MessageLayout } from '../../dns/wire/layout.js';

export type CacheType = 'success' | 'denial';

export class CacheEntry {
  /** Queries seen with no gap longer than the prefetch duration (CoreDNS's freq.Freq). */
  hits = 0;
  #lastHit = 0;

  constructor(
    readonly type: CacheType,
    readonly rcode: number,
    /** AD and RA from the stored reply. */
    readonly flags: number,
    readonly wire: Uint8Array,
    readonly layout: MessageLayout,
    readonly ttlOffsets: Uint32Array,
    /** Clock.now() at storage, ms. */
    readonly storedAt: number,
    /** Seconds this entry is fresh for. */
    readonly origTtl: number,
  ) {}

  /** Remaining seconds; 0 or less once expired (CoreDNS truncates elapsed seconds). */
  ttl(now: number): number {
    return this.origTtl - Math.trunc((now - this.storedAt) / 1000);
  }

  /** Counts a hit; a gap longer than `windowMs` starts the count again. */
  recordHit(now: number, windowMs: number): void {
    this.hits = now - this.#lastHit > windowMs ? 1 : this.hits + 1;
    this.#lastHit = now;
  }

  /** Carries the popularity of the entry it replaces (prefetch keeps an item hot). */
  inheritHits(hits: number, now: number): void {
    this.hits = hits;
    this.#lastHit = now;
  }

  /**
   * Flags for a reply served from the cache: AA set as CoreDNS does for cached answers (some
   * clients drop non-authoritative packets), AD only when the client asked for DNSSEC data or AD.
   */
  hitFlags(wantsAd: boolean): number {
    return Flag.AA | (this.flags & Flag.RA) | (wantsAd ? this.flags & Flag.AD : 0);
  }

  /** The reply with every record's TTL (OPT excluded) set to `ttl` seconds, never negative. */
  toReply(ttl: number, flags: number): Reply {
    const out = Buffer.from(this.wire);
    const t = Math.max(0, ttl);
    for (let i = 0; i < this.ttlOffsets.length; i++) out.writeUInt32BE(t, this.ttlOffsets[i]!);
    return wireReply(this.rcode, flags, out, 'cache', this.layout);
  }
}
