// CoreDNS's coredns_kubernetes_dns_programming_duration_seconds: for an EndpointSlice that carries
// `endpoints.kubernetes.io/last-change-trigger-time`, the time from that trigger (a pod change in
// the cluster) to the moment the new snapshot is published to the zone. As in CoreDNS it is
// observed only once the caches have synced (the initial list says nothing about latency).

import { Histogram, type Registry } from 'prom-client';
import type { ImportType } from './model.js';

export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

/** CoreDNS's buckets: 1 ms doubling 20 times (to about 17 minutes). */
const BUCKETS = Array.from({ length: 20 }, (_, i) => 0.001 * 2 ** i);

export type ServiceKind = 'cluster_ip' | 'headless_with_selector';

export function serviceKind(type: ImportType): ServiceKind {
  return type === 'Headless' ? 'headless_with_selector' : 'cluster_ip';
}

/** The trigger time of a raw EndpointSlice in epoch milliseconds, or undefined. */
export function triggerTimeOf(obj: { metadata?: { annotations?: Record<string, string> } }): number | undefined {
  const text = obj.metadata?.annotations?.[TRIGGER_TIME_ANNOTATION];
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function programmingLatencyHistogram(registry: Registry): Histogram<'service_kind'> {
  const name = 'coredns_kubernetes_dns_programming_duration_seconds';
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing as Histogram<'service_kind'>;
  return new Histogram({
    name,
    help: 'Histogram of the time (in seconds) it took to program a dns instance.',
    labelNames: ['service_kind'],
    buckets: BUCKETS,
    registers: [registry],
  });
}
