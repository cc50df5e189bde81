// The Kubernetes source's Prometheus families: clusterset_dns_kubernetes_stale,
// clusterset_dns_kubernetes_last_sync_timestamp_seconds{resource} and clusterset_dns_objects{kind}.
// Several server blocks may each run a source on one registry, so every family is got-or-created
// and computed at scrape time from all the sources registered on it: stale if any is stale, the
// oldest last sync per resource, objects summed (what the process holds).

import { Gauge, type Registry } from 'prom-client';

/** One source's values for a family: label value ('' for an unlabelled family) -> value. */
export type Reading = () => ReadonlyMap<string, number>;

type Combine = (a: number, b: number) => number;

/** A gauge whose value is combined, at scrape time, from the readings of every source on it. */
class PooledGauge extends Gauge<string> {
  readonly readings = new Set<Reading>();
}

interface FamilySpec {
  readonly name: string;
  readonly help: string;
  /** The one label, or null for a single series. */
  readonly label: string | null;
  readonly combine: Combine;
}

function pooledGauge(registry: Registry, spec: FamilySpec): PooledGauge {
  const found = registry.getSingleMetric(spec.name);
  if (found !== undefined) {
    if (!(found instanceof PooledGauge)) throw new Error(`metric ${spec.name} is already registered by something else`);
    return found;
  }
  const label = spec.label;
  return new PooledGauge({
    name: spec.name,
    help: spec.help,
    labelNames: label === null ? [] : [label],
    registers: [registry],
    collect(this: Gauge<string>) {
      const combined = new Map<string, number>();
      for (const read of (this as PooledGauge).readings) {
        for (const [key, value] of read()) {
          const prev = combined.get(key);
          combined.set(key, prev === undefined ? value : spec.combine(prev, value));
        }
      }
      this.reset();
      for (const [key, value] of combined) {
        if (label === null) this.set(value);
        else this.set({ [label]: key }, value);
      }
    },
  });
}

export interface SourceReadings {
  /** '' -> 1 when the source's data is stale, else 0. */
  readonly stale: Reading;
  /** resource -> seconds since the epoch of the last proof the API answered for it. */
  readonly lastSync: Reading;
  /** kind (imports, endpointslices, namespaces, endpoints) -> count. */
  readonly objects: Reading;
}

/** Adds one source's readings to the registry's families; the returned function removes them (idempotent). */
export function registerSourceMetrics(registry: Registry, readings: SourceReadings): () => void {
  const families: [PooledGauge, Reading][] = [
    [
      pooledGauge(registry, {
        name: 'clusterset_dns_kubernetes_stale',
        help: '1 while the Kubernetes API cannot be reached and the last known data is served, else 0.',
        label: null,
        combine: Math.max,
      }),
      readings.stale,
    ],
    [
      pooledGauge(registry, {
        name: 'clusterset_dns_kubernetes_last_sync_timestamp_seconds',
        help: 'When the Kubernetes API last answered a list, watch, event or bookmark, per resource.',
        label: 'resource',
        combine: Math.min,
      }),
      readings.lastSync,
    ],
    [
      pooledGauge(registry, {
        name: 'clusterset_dns_objects',
        help: 'Objects in the multicluster cache, by kind.',
        label: 'kind',
        combine: (a, b) => a + b,
      }),
      readings.objects,
    ],
  ];
  for (const [gauge, read] of families) gauge.readings.add(read);
  return () => {
    for (const [gauge, read] of families) gauge.readings.delete(read);
  };
}
