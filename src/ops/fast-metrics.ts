// Counters and histograms cheap enough for the per-query path. prom-client hashes and validates
// the label set on every inc()/observe() (about a microsecond each); here a child is resolved once
// per label set and then only adds to plain numbers. prom-client still owns names, registration
// and exposition: counters are flushed into a real Counter at scrape time, histograms are
// rendered from the children by a Histogram subclass.

import { Counter, Histogram, type Registry } from 'prom-client';
import type { MetricType } from 'prom-client';

interface VecOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

type Labels = Record<string, string>;

function labelsOf(names: readonly string[], values: readonly string[]): Labels {
  if (values.length !== names.length) throw new Error(`want ${names.length} label values, got ${values.length}`);
  const labels: Labels = {};
  names.forEach((n, i) => (labels[n] = values[i]!));
  return labels;
}

export class FastCounter {
  total = 0;
  flushed = -1;
  constructor(readonly labels: Readonly<Labels>) {}
  inc(n = 1): void {
    this.total += n;
  }
}

export class FastCounterVec {
  readonly #children = new Map<string, FastCounter>();
  readonly #names: readonly string[];

  constructor(registry: Registry, opts: VecOptions) {
    this.#names = opts.labelNames;
    const children = this.#children;
    new Counter({
      name: opts.name,
      help: opts.help,
      labelNames: [...opts.labelNames],
      registers: [registry],
      collect() {
        for (const c of children.values()) {
          if (c.total === c.flushed) continue;
          this.inc(c.labels, c.total - Math.max(c.flushed, 0));
          c.flushed = c.total;
        }
      },
    });
  }

  /** The child for these label values (in labelNames order); resolve once, keep it. */
  child(...values: string[]): FastCounter {
    const key = values.join('\u0000');
    let c = this.#children.get(key);
    if (c === undefined) {
      c = new FastCounter(labelsOf(this.#names, values));
      this.#children.set(key, c);
    }
    return c;
  }
}

export class FastHistogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Readonly<Labels>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

type Exposed = Awaited<ReturnType<Histogram<string>['get']>>;

/** A prom-client Histogram whose series come from FastHistogram children. */
class ChildrenHistogram extends Histogram<string> {
  constructor(
    registry: Registry,
    private readonly opts: VecOptions & { readonly buckets: readonly number[] },
    private readonly children: Map<string, FastHistogram>,
  ) {
    super({ name: opts.name, help: opts.help, labelNames: [...opts.labelNames], buckets: [...opts.buckets], registers: [registry] });
  }

  override async get(): Promise<Exposed> {
    const { name, help, buckets } = this.opts;
    const values: Exposed['values'] = [];
    for (const c of this.children.values()) {
      let acc = 0;
      buckets.forEach((le, i) => {
        acc += c.counts[i]!;
        values.push({ labels: { ...c.labels, le }, value: acc, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...c.labels, le: '+Inf' }, value: c.count, metricName: `${name}_bucket` });
      values.push({ labels: c.labels, value: c.sum, metricName: `${name}_sum` });
      values.push({ labels: c.labels, value: c.count, metricName: `${name}_count` });
    }
    return { name, help, type: 'histogram' as unknown as MetricType, values, aggregator: 'sum', collect: () => undefined };
  }

  /** The registry prefers this method when present; the parent's would show no series. */
  getForPromString(): Promise<Exposed> {
    return this.get();
  }
}

export class FastHistogramVec {
  readonly #children = new Map<string, FastHistogram>();
  readonly #names: readonly string[];
  readonly #buckets: readonly number[];

  constructor(registry: Registry, opts: VecOptions & { readonly buckets: readonly number[] }) {
    this.#names = opts.labelNames;
    this.#buckets = opts.buckets;
    new ChildrenHistogram(registry, opts, this.#children);
  }

  child(...values: string[]): FastHistogram {
    const key = values.join('\u0000');
    let c = this.#children.get(key);
    if (c === undefined) {
      c = new FastHistogram(labelsOf(this.#names, values), this.#buckets);
      this.#children.set(key, c);
    }
    return c;
  }
}

/** Prometheus client_golang's ExponentialBuckets. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0, v = start; i < count; i++, v *= factor) out.push(v);
  return out;
}
