// Counts what the packet handler could not answer normally: dropped packets (by reason) and
// plugin failures (CoreDNS's coredns_panics_total).

import { Counter, type Registry } from 'prom-client';
import type { PacketObserver } from '../dns/packet-handler.js';

function getOrCreateCounter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createObserver(registry: Registry): PacketObserver {
  const dropped = getOrCreateCounter(registry, 'clusterset_dns_dropped_packets_total', 'Packets dropped without a reply, by reason.', ['reason']);
  const panics = getOrCreateCounter(registry, 'coredns_panics_total', 'A metrics that counts the number of panics.');
  return {
    dropped: (reason) => dropped.inc({ reason }),
    panicked: () => panics.inc(),
  };
}
