// The cache plugin's Prometheus families with CoreDNS's names and labels (server, type, zones,
// view); `view` is always empty here, as CoreDNS reports it without the view plugin.

import type { Counter, Registry } from 'prom-client';
import { collectedGaugeFamily, counterFamily, type CollectedGauge } from '../../ops/metric-family.js';
import type { CacheType } from './cache-entry.js';

type L = 'server' | 'zones' | 'view';
type LT = L | 'type';

export class CacheMetrics {
  readonly #entries: CollectedGauge<LT>;
  readonly #requests: Counter<L>;
  readonly #hits: Counter<LT>;
  readonly #misses: Counter<L>;
  readonly #drops: Counter<L>;
  readonly #prefetch: Counter<L>;
  readonly #stale: Counter<L>;
  readonly #evictions: Counter<LT>;

  constructor(
    registry: Registry,
    private readonly zones: string,
  ) {
    const plain = ['server', 'zones', 'view'] as const;
    const typed = ['server', 'type', 'zones', 'view'] as const;
    const counter = <K extends LT>(name: string, help: string, labelNames: readonly K[]): Counter<K> =>
      counterFamily(registry, { name: `coredns_cache_${name}`, help, labelNames });
    this.#entries = collectedGaugeFamily(registry, { name: 'coredns_cache_entries', help: 'The number of elements in the cache.', labelNames: typed });
    this.#requests = counter('requests_total', 'The count of cache requests.', plain);
    this.#hits = counter('hits_total', 'The count of cache hits.', typed);
    this.#misses = counter('misses_total', 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.', plain);
    this.#drops = counter('drops_total', 'The number responses that are not cached, because the reply is malformed.', plain);
    this.#prefetch = counter('prefetch_total', 'The number of times the cache has prefetched a cached item.', plain);
    this.#stale = counter('served_stale_total', 'The number of requests served from stale cache entries.', plain);
    this.#evictions = counter('evictions_total', 'The count of cache evictions.', typed);
  }

  #l(server: string): Record<L, string> {
    return { server, zones: this.zones, view: '' };
  }

  request(server: string): void {
    this.#requests.inc(this.#l(server));
  }
  hit(server: string, type: CacheType): void {
    this.#hits.inc({ ...this.#l(server), type });
  }
  miss(server: string): void {
    this.#misses.inc(this.#l(server));
  }
  drop(server: string): void {
    this.#drops.inc(this.#l(server));
  }
  prefetch(server: string): void {
    this.#prefetch.inc(this.#l(server));
  }
  servedStale(server: string): void {
    this.#stale.inc(this.#l(server));
  }
  eviction(server: string, type: CacheType): void {
    this.#evictions.inc({ ...this.#l(server), type });
  }
  /** Reports the sizes of one cache at every scrape; call the returned function to stop. */
  entries(server: string, size: (type: CacheType) => number): () => void {
    const success = { ...this.#l(server), type: 'success' };
    const denial = { ...this.#l(server), type: 'denial' };
    return this.#entries.addSource((g) => {
      g.set(success, size('success'));
      g.set(denial, size('denial'));
    });
  }
}
