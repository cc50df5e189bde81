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

export function gaugeFamily<L extends string>(registry: Registry, spec: FamilySpec<L>): Gauge<L> {
  return (
    (existing(registry, spec.name, Gauge) as Gauge<L> | null) ??
    new Gauge<L>({ name: spec.name, help: spec.help, labelNames: spec.labelNames, registers: [registry] })
  );
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
