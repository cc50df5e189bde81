// The forward plugin's Prometheus families, named as CoreDNS 1.11+ exports them (forward_* for the
// plugin, proxy_* with proxy_name="forward" per upstream), plus the older forward_* per-upstream
// names that existing dashboards still query.

import type { Counter, Histogram, Registry } from 'prom-client';
import { rcodeName } from '../../dns/constants.js';
import { TIME_BUCKETS, counterFamily, histogramFamily } from '../../ops/metric-family.js';

const PROXY = 'forward';

export class ForwardMetrics {
  readonly #broken: Counter;
  readonly #rejects: Counter;
  readonly #proxyDuration: Histogram<'proxy_name' | 'to' | 'rcode'>;
  readonly #proxyHcFailures: Counter<'proxy_name' | 'to'>;
  readonly #connHits: Counter<'proxy_name' | 'to' | 'proto'>;
  readonly #connMisses: Counter<'proxy_name' | 'to' | 'proto'>;
  readonly #requests: Counter<'to'>;
  readonly #responses: Counter<'to' | 'rcode'>;
  readonly #duration: Histogram<'to' | 'rcode'>;
  readonly #hcFailures: Counter<'to'>;

  constructor(registry: Registry) {
    this.#broken = counterFamily(registry, {
      name: 'coredns_forward_healthcheck_broken_total',
      help: 'Counter of the number of complete failures of the healthchecks.',
      labelNames: [],
    });
    this.#rejects = counterFamily(registry, {
      name: 'coredns_forward_max_concurrent_rejects_total',
      help: 'Counter of the number of queries rejected because the concurrent queries were at maximum.',
      labelNames: [],
    });
    this.#proxyDuration = histogramFamily(registry, {
      name: 'coredns_proxy_request_duration_seconds',
      help: 'Histogram of the time each request took.',
      labelNames: ['proxy_name', 'to', 'rcode'],
      buckets: TIME_BUCKETS,
    });
    this.#proxyHcFailures = counterFamily(registry, {
      name: 'coredns_proxy_healthcheck_failures_total',
      help: 'Counter of the number of failed healthchecks.',
      labelNames: ['proxy_name', 'to'],
    });
    this.#connHits = counterFamily(registry, {
      name: 'coredns_proxy_conn_cache_hits_total',
      help: 'Counter of connection cache hits per upstream and protocol.',
      labelNames: ['proxy_name', 'to', 'proto'],
    });
    this.#connMisses = counterFamily(registry, {
      name: 'coredns_proxy_conn_cache_misses_total',
      help: 'Counter of connection cache misses per upstream and protocol.',
      labelNames: ['proxy_name', 'to', 'proto'],
    });
    this.#requests = counterFamily(registry, {
      name: 'coredns_forward_requests_total',
      help: 'Counter of requests made per upstream.',
      labelNames: ['to'],
    });
    this.#responses = counterFamily(registry, {
      name: 'coredns_forward_responses_total',
      help: 'Counter of responses received per upstream.',
      labelNames: ['to', 'rcode'],
    });
    this.#duration = histogramFamily(registry, {
      name: 'coredns_forward_request_duration_seconds',
      help: 'Histogram of the time each request took.',
      labelNames: ['to', 'rcode'],
      buckets: TIME_BUCKETS,
    });
    this.#hcFailures = counterFamily(registry, {
      name: 'coredns_forward_healthcheck_failures_total',
      help: 'Counter of the number of failed healthchecks.',
      labelNames: ['to'],
    });
  }

  request(to: string): void {
    this.#requests.inc({ to });
  }

  response(to: string, rcode: number, seconds: number): void {
    const name = rcodeName(rcode);
    this.#responses.inc({ to, rcode: name });
    this.#duration.observe({ to, rcode: name }, seconds);
    this.#proxyDuration.observe({ proxy_name: PROXY, to, rcode: name }, seconds);
  }

  healthcheckFailure(to: string): void {
    this.#hcFailures.inc({ to });
    this.#proxyHcFailures.inc({ proxy_name: PROXY, to });
  }

  healthcheckBroken(): void {
    this.#broken.inc();
  }

  maxConcurrentReject(): void {
    this.#rejects.inc();
  }

  connCache(to: string, proto: 'tcp' | 'tcp-tls', hit: boolean): void {
    (hit ? this.#connHits : this.#connMisses).inc({ proxy_name: PROXY, to, proto });
  }
}
