// The cache plugin's query path (CoreDNS's cache.ServeDNS): for names in its zones, answer from the
// success or denial cache while the entry is fresh, otherwise ask the rest of the chain and store
// what comes back when its question matches. Prefetch refreshes popular entries before they
// expire; serve_stale answers from expired entries (TTL 0) while refreshing them.

import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { Flag, Rcode } from '../../dns/constants.js';
import type { Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import { inZone, longestZone } from '../../dns/zones.js';
import { sameQuestion } from '../../dns/wire/reply-match.js';
import type { Handler, Plugin } from '../plugin.js';
import type { Clock } from '../setup-context.js';
import { CacheEntry, type CacheType } from './cache-entry.js';
import { classify } from './classify.js';
import type { CacheConfig } from './config.js';
import type { CacheMetrics } from './metrics.js';

export interface CacheDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: CacheMetrics;
  /** The block's server label ("dns://:53"), for metrics not tied to one request. */
  readonly server: string;
}

/** Lower-cased name, type, class, DO and CD: what makes two queries share an answer. */
export function cacheKey(req: Request): string {
  const q = req.question;
  const d = req.edns !== null && req.edns.do ? '1' : '0';
  const c = (req.flags & Flag.CD) !== 0 ? '1' : '0';
  return `${q.lname}|${q.type}|${q.class}|${d}${c}`;
}

function wantsAd(req: Request): boolean {
  return (req.edns !== null && req.edns.do) || (req.flags & Flag.AD) !== 0;
}

export class CachePlugin implements Plugin {
  readonly name = 'cache';
  readonly #caches: Record<CacheType, LRUCache<string, CacheEntry>>;
  readonly #refreshing = new Set<string>();
  readonly #stopReporting: () => void;
  #stopped = false;

  constructor(
    readonly config: CacheConfig,
    private readonly deps: CacheDeps,
  ) {
    const make = (type: CacheType): LRUCache<string, CacheEntry> =>
      new LRUCache<string, CacheEntry>({
        max: config[type].capacity,
        dispose: (_v, _k, reason) => {
          if (reason === 'evict') deps.metrics.eviction(deps.server, type);
        },
      });
    this.#caches = { success: make('success'), denial: make('denial') };
    this.#stopReporting = deps.metrics.entries(deps.server, (type) => this.#caches[type].size);
  }

  /** Entries per cache (for tests and metrics). */
  size(type: CacheType): number {
    return this.#caches[type].size;
  }

  serve(req: Request, next: Handler): Reply | Promise<Reply> {
    if (longestZone(this.config.zones, req.question.lname) === null) return next(req);
    const now = this.deps.clock.now();
    const key = cacheKey(req);
    const entry = this.#lookup(req.server, key, now);
    if (entry === null) return this.#fetch(req, next, key);
    const ttl = entry.ttl(now);
    const flags = entry.hitFlags(wantsAd(req));
    if (ttl <= 0) {
      if (this.config.serveStale?.verify === true) return this.#verifyStale(req, next, key, entry);
      this.#refresh(req, next, key, null);
      this.deps.metrics.servedStale(req.server);
      return entry.toReply(0, flags);
    }
    if (this.#shouldPrefetch(entry, now, ttl)) {
      this.deps.metrics.prefetch(req.server);
      this.#refresh(req, next, key, entry);
    }
    return entry.toReply(this.config.keepTtl ? entry.origTtl : ttl, flags);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopReporting();
  }

  /** A fresh entry, or an expired one still within serve_stale; counts requests, hits, misses. */
  #lookup(server: string, key: string, now: number): CacheEntry | null {
    const m = this.deps.metrics;
    m.request(server);
    for (const type of ['denial', 'success'] as const) {
      const e = this.#caches[type].get(key);
      if (e === undefined) continue;
      const ttl = e.ttl(now);
      const stale = this.config.serveStale;
      if (ttl > 0 || (stale !== null && -ttl * 1000 < stale.upToMs)) {
        m.hit(server, type);
        return e;
      }
      this.#caches[type].delete(key);
    }
    m.miss(server);
    return null;
  }

  #shouldPrefetch(entry: CacheEntry, now: number, ttl: number): boolean {
    const p = this.config.prefetch;
    if (p.amount <= 0) return false;
    entry.recordHit(now, p.durationMs);
    const threshold = Math.ceil((p.percentage / 100) * entry.origTtl);
    return entry.hits >= p.amount && ttl <= threshold;
  }

  #fetch(req: Request, next: Handler, key: string): Reply | Promise<Reply> {
    const r = next(req);
    if (r instanceof Promise) return r.then((reply) => this.#admit(req, key, reply, true).reply);
    return this.#admit(req, key, r, true).reply;
  }

  /**
   * Stores `reply` when it may be cached and returns what the client gets: the reply with its TTLs
   * capped to the stored duration (CoreDNS, so that TTLs do not jump between a miss and a hit).
   */
  #admit(req: Request, key: string, reply: Reply, allowServfail: boolean): { reply: Reply; entry: CacheEntry | null } {
    const wire = reply.wire;
    if (wire === null) return { reply, entry: null };
    if (!sameQuestion(wire, req.questionWire)) {
      this.deps.metrics.drop(req.server);
      return { reply, entry: null };
    }
    const layout = reply.layout();
    const c = classify(wire, layout, reply.rcode);
    if (c.kind === 'uncacheable' || (c.kind === 'servfail' && !allowServfail)) return { reply, entry: null };
    const type: CacheType = c.kind === 'success' ? 'success' : 'denial';
    const lname = req.question.lname;
    if (this.config.disable[type].some((z) => inZone(lname, z))) return { reply, entry: null };
    let seconds: number;
    if (c.kind === 'servfail') {
      seconds = Math.trunc(this.config.servfailMs / 1000);
    } else {
      const lim = this.config[type];
      seconds = Math.min(Math.max(c.ttl, lim.minTtl), lim.maxTtl);
    }
    if (seconds <= 0) return { reply, entry: null };
    const entry = new CacheEntry(type, reply.rcode, reply.flags, wire, layout, c.ttlOffsets, this.deps.clock.now(), seconds);
    this.#caches[type].set(key, entry);
    this.#caches[type === 'success' ? 'denial' : 'success'].delete(key);
    return { reply: entry.toReply(seconds, reply.flags), entry };
  }

  /**
   * Asks the chain again in the background and stores the result (prefetch, serve_stale immediate).
   * One refresh per key at a time; a SERVFAIL never replaces what is cached.
   */
  #refresh(req: Request, next: Handler, key: string, previous: CacheEntry | null): void {
    if (this.#stopped || this.#refreshing.has(key)) return;
    this.#refreshing.add(key);
    void (async () => {
      try {
        const reply = await next(req);
        if (this.#stopped) return;
        const { entry } = this.#admit(req, key, reply, false);
        if (entry !== null && previous !== null) entry.inheritHits(previous.hits, this.deps.clock.now());
      } catch (err) {
        this.deps.logger.debug({ err, qname: req.question.name }, 'cache refresh failed');
      } finally {
        this.#refreshing.delete(key);
      }
    })();
  }

  /** serve_stale verify: a fresh NOERROR/NXDOMAIN answer wins; otherwise the stale entry (TTL 0). */
  async #verifyStale(req: Request, next: Handler, key: string, stale: CacheEntry): Promise<Reply> {
    const reply = await next(req);
    if (reply.wire !== null && (reply.rcode === Rcode.NOERROR || reply.rcode === Rcode.NXDOMAIN)) {
      const admitted = this.#admit(req, key, reply, false);
      if (admitted.entry !== null) return admitted.reply;
    }
    this.deps.metrics.servedStale(req.server);
    return stale.toReply(0, stale.hitFlags(wantsAd(req)));
  }
}
