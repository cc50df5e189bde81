// Get-or-create for Prometheus metric families on a shared Registry: several server blocks each
// build their own plugin instance, and all of them must feed the same CoreDNS-named family instead
// of failing on a duplicate registration. (Used by forward and cache; a candidate for a shared
// metrics module once one exists.)

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

interface FamilySpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

function existing<T>(registry: Registry, name: string, kind: new (...a: never[]) => T): T | null {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return null;
  if (!(found instanceof kind)) throw new Error(`metric ${name} is already registered with another type`);
  return found;
}

export function counterFamily<L extends string>(registry: Registry, spec: FamilySpec<L>): Counter<L> {
  return (
    (existing(registry, spec.name, Counter) as Counter<L> | null) ??
    new Counter<L>({ name: spec.name, help: spec.help, labelNames: spec.labelNames, registers: [registry] })
  );
}

const SOURCES = Symbol('gauge sources');

type SourcedGauge<L extends string> = Gauge<L> & { [SOURCES]?: Set<(g: Gauge<L>) => void> };

export interface CollectedGauge<L extends string> {
  /** Adds a source that sets its series at each scrape; returns the function that removes it. */
  addSource(source: (g: Gauge<L>) => void): () => void;
}

/**
 * A gauge whose series are set at scrape time by the sources added to it (one per plugin
 * instance), so the query path never touches it.
 */
export function collectedGaugeFamily<L extends string>(registry: Registry, spec: FamilySpec<L>): CollectedGauge<L> {
  let gauge = existing(registry, spec.name, Gauge) as SourcedGauge<L> | null;
  if (gauge === null) {
    const fresh = new Set<(g: Gauge<L>) => void>();
    gauge = new Gauge<L>({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [registry],
      collect() {
        for (const s of fresh) s(this);
      },
    }) as SourcedGauge<L>;
    gauge[SOURCES] = fresh;
  }
  const sources = gauge[SOURCES];
  if (sources === undefined) throw new Error(`metric ${spec.name} is registered, but not as a collected gauge`);
  return {
    addSource(source) {
      sources.add(source);
      return () => sources.delete(source);
    },
  };
}

export function histogramFamily<L extends string>(
  registry: Registry,
  spec: FamilySpec<L> & { readonly buckets: readonly number[] },
): Histogram<L> {
  return (
    (existing(registry, spec.name, Histogram) as Histogram<L> | null) ??
    new Histogram<L>({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      buckets: [...spec.buckets],
      registers: [registry],
    })
  );
}

/** CoreDNS's plugin.TimeBuckets: exponential from 0.25 ms, factor 2, 16 buckets. */
export const TIME_BUCKETS: readonly number[] = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
