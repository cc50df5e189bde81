// Counts what the packet handler could not answer normally (dropped packets by reason, plugin
// failures as CoreDNS's coredns_panics_total) and what happens to TCP connections (refused at the
// door, closed by us, open now), for /metrics.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { ServerObserver } from '../dns/server.js';

function getOrCreateCounter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function getOrCreateGauge(registry: Registry, name: string, help: string): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing;
  return new Gauge({ name, help, registers: [registry] });
}

export function createObserver(registry: Registry): ServerObserver {
  const dropped = getOrCreateCounter(registry, 'clusterset_dns_dropped_packets_total', 'Packets dropped without a reply, by reason.', ['reason']);
  const panics = getOrCreateCounter(registry, 'coredns_panics_total', 'A metrics that counts the number of panics.');
  const refused = getOrCreateCounter(
    registry,
    'clusterset_dns_tcp_connections_refused_total',
    'TCP connections closed as they came, by reason: client_limit (the client holds its cap, every one busy), full (the listener is full, every connection busy).',
    ['reason'],
  );
  const closed = getOrCreateCounter(
    registry,
    'clusterset_dns_tcp_connections_closed_total',
    'TCP connections the server closed, by reason: idle_timeout, read_timeout, write_timeout, evicted (idle longest, closed to make room), bad_frame.',
    ['reason'],
  );
  const open = getOrCreateGauge(registry, 'clusterset_dns_tcp_connections', 'TCP connections open now.');
  return {
    dropped: (reason) => dropped.inc({ reason }),
    panicked: () => panics.inc(),
    tcp: {
      refused: (reason) => refused.inc({ reason }),
      closed: (reason) => closed.inc({ reason }),
      open: (delta) => open.inc(delta),
    },
  };
}
