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
    const counter = <K extends string>(name: string, help: string, labelNames: readonly K[]): Counter<K> =>
      counterFamily(registry, { name, help, labelNames });
    const histogram = <K extends string>(name: string, labelNames: readonly K[]): Histogram<K> =>
      histogramFamily(registry, { name, help: 'Histogram of the time each request took.', labelNames, buckets: TIME_BUCKETS });
    const proxy = ['proxy_name', 'to'] as const;
    const proxyProto = ['proxy_name', 'to', 'proto'] as const;
    this.#broken = counter('coredns_forward_healthcheck_broken_total', 'Counter of the number of complete failures of the healthchecks.', []);
    this.#rejects = counter('coredns_forward_max_concurrent_rejects_total', 'Counter of the number of queries rejected because the concurrent queries were at maximum.', []);
    this.#proxyDuration = histogram('coredns_proxy_request_duration_seconds', ['proxy_name', 'to', 'rcode']);
    this.#proxyHcFailures = counter('coredns_proxy_healthcheck_failures_total', 'Counter of the number of failed healthchecks.', proxy);
    this.#connHits = counter('coredns_proxy_conn_cache_hits_total', 'Counter of connection cache hits per upstream and protocol.', proxyProto);
    this.#connMisses = counter('coredns_proxy_conn_cache_misses_total', 'Counter of connection cache misses per upstream and protocol.', proxyProto);
    this.#requests = counter('coredns_forward_requests_total', 'Counter of requests made per upstream.', ['to']);
    this.#responses = counter('coredns_forward_responses_total', 'Counter of responses received per upstream.', ['to', 'rcode']);
    this.#duration = histogram('coredns_forward_request_duration_seconds', ['to', 'rcode']);
    this.#hcFailures = counter('coredns_forward_healthcheck_failures_total', 'Counter of the number of failed healthchecks.', ['to']);
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
