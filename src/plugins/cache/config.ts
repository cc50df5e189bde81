// Reads and validates `cache [TTL] [ZONES...] { ... }` into a frozen CacheConfig with CoreDNS's
// defaults: capacity 9984 per cache, max TTL 3600 s (success) / 1800 s (denial), min TTL 5 s,
// SERVFAIL cached 5 s, prefetch off (1m / 10% when on), serve_stale off (1h, immediate when on).

import { durationArg, expectArgs, forEachOption, intArg, noBlock, zonesArg } from '../../corefile/args.js';
import { ConfigError, type Directive } from '../../corefile/types.js';

export interface TtlLimits {
  readonly capacity: number;
  /** Seconds. */
  readonly maxTtl: number;
  /** Seconds. */
  readonly minTtl: number;
}

export interface CacheConfig {
  /** Lower case, trailing dot. */
  readonly zones: readonly string[];
  readonly success: TtlLimits;
  readonly denial: TtlLimits;
  /** `amount` 0: no prefetching. */
  readonly prefetch: { readonly amount: number; readonly durationMs: number; readonly percentage: number };
  /** Null: expired entries are never served. */
  readonly serveStale: { readonly upToMs: number; readonly verify: boolean } | null;
  /** 0: SERVFAIL replies are not cached. */
  readonly servfailMs: number;
  /** Zones in which success (resp. denial) replies are not stored. */
  readonly disable: { readonly success: readonly string[]; readonly denial: readonly string[] };
  /** Serve the TTL an entry was stored with (after min/max) instead of counting it down. */
  readonly keepTtl: boolean;
}

export const DEFAULT_CAPACITY = 9984;
const MAX_TTL = 3600;
const MAX_NTTL = 1800;
const MIN_TTL = 5;
const MAX_SERVFAIL_MS = 5 * 60_000;
const I32 = 2 ** 31 - 1;

function limitsOption(o: Directive, current: TtlLimits): TtlLimits {
  noBlock(o);
  const a = expectArgs(o, 1, 3);
  const capacity = intArg(o, a[0]!, { min: 1, max: I32, what: 'capacity' });
  const maxTtl = a[1] === undefined ? current.maxTtl : intArg(o, a[1], { min: 1, max: I32, what: 'TTL' });
  const minTtl = a[2] === undefined ? current.minTtl : intArg(o, a[2], { min: 0, max: I32, what: 'minimum TTL' });
  return { capacity, maxTtl, minTtl };
}

export function parseCache(d: Directive, blockZones: readonly string[]): CacheConfig {
  let args = expectArgs(d, 0, Infinity);
  let success: TtlLimits = { capacity: DEFAULT_CAPACITY, maxTtl: MAX_TTL, minTtl: MIN_TTL };
  let denial: TtlLimits = { capacity: DEFAULT_CAPACITY, maxTtl: MAX_NTTL, minTtl: MIN_TTL };
  // A first argument that looks like a number is the TTL, anything else is a zone (CoreDNS).
  if (args[0] !== undefined && /^[+-]?\d+$/.test(args[0])) {
    const ttl = intArg(d, args[0], { min: 1, max: I32, what: 'TTL' });
    success = { ...success, maxTtl: ttl };
    denial = { ...denial, maxTtl: ttl };
    args = args.slice(1);
  }
  const zones = zonesArg(args, blockZones, d);
  let prefetch = { amount: 0, durationMs: 60_000, percentage: 10 };
  let serveStale: CacheConfig['serveStale'] = null;
  let servfailMs = 5000;
  const disable = { success: [] as string[], denial: [] as string[] };
  let keepTtl = false;

  forEachOption(d, {
    success(o) {
      success = limitsOption(o, success);
    },
    denial(o) {
      denial = limitsOption(o, denial);
    },
    prefetch(o) {
      noBlock(o);
      const a = expectArgs(o, 1, 3);
      const amount = intArg(o, a[0]!, { min: 0, max: I32, what: 'prefetch amount' });
      const durationMs = a[1] === undefined ? 60_000 : durationArg(o, a[1], { min: 1, what: 'prefetch duration' });
      let percentage = 10;
      if (a[2] !== undefined) {
        if (!a[2].endsWith('%')) throw ConfigError.at(o, `'prefetch': percentage '${a[2]}' must end with '%'`);
        percentage = intArg(o, a[2].slice(0, -1), { min: 10, max: 90, what: 'prefetch percentage' });
      }
      prefetch = { amount, durationMs, percentage };
    },
    serve_stale(o) {
      noBlock(o);
      const a = expectArgs(o, 0, 2);
      const upToMs = a[0] === undefined ? 3_600_000 : durationArg(o, a[0], { min: 0, what: 'serve_stale duration' });
      const mode = (a[1] ?? 'immediate').toLowerCase();
      if (mode !== 'immediate' && mode !== 'verify') {
        throw ConfigError.at(o, `'serve_stale': invalid refresh mode '${a[1]}': expected immediate or verify`);
      }
      serveStale = { upToMs, verify: mode === 'verify' };
    },
    servfail(o) {
      noBlock(o);
      servfailMs = durationArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, max: MAX_SERVFAIL_MS, what: 'servfail duration' });
    },
    disable(o) {
      noBlock(o);
      const a = expectArgs(o, 1, Infinity);
      const kind = a[0]!;
      if (kind !== 'success' && kind !== 'denial') {
        throw ConfigError.at(o, `'disable': unknown type '${kind}': expected success or denial`);
      }
      disable[kind].push(...zonesArg(a.slice(1), zones, o));
    },
    keepttl(o) {
      noBlock(o);
      expectArgs(o, 0, 0);
      keepTtl = true;
    },
  });

  return Object.freeze({
    zones: Object.freeze([...zones]),
    success: Object.freeze(success),
    denial: Object.freeze(denial),
    prefetch: Object.freeze(prefetch),
    serveStale: serveStale === null ? null : Object.freeze(serveStale),
    servfailMs,
    disable: Object.freeze({ success: Object.freeze(disable.success), denial: Object.freeze(disable.denial) }),
    keepTtl,
  });
}
