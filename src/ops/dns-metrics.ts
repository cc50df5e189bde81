// CoreDNS's server metrics under CoreDNS's names, labels and buckets (plugin/metrics/vars), so
// existing dashboards and alerts work unchanged. Built once per process on the registry main.ts
// passes in; the prometheus plugin reports each query through a QueryReporter resolved per
// (server, zone, view), whose children are resolved on first use of a label combination.

import { Counter, Gauge, type Registry } from 'prom-client';
import { MAX_UDP_NO_EDNS, HEADER_SIZE, rcodeName } from '../dns/constants.js';
import type { Request } from '../dns/request.js';
import type { Reply } from '../dns/reply.js';
import { FastCounterVec, FastHistogramVec, exponentialBuckets, type FastCounter, type FastHistogram } from './fast-metrics.js';

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
}

/** CoreDNS's plugin.TimeBuckets: 0.25ms doubling to ~8s. */
export const TIME_BUCKETS: readonly number[] = exponentialBuckets(0.00025, 2, 16);
export const SIZE_BUCKETS: readonly number[] = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

/** The query types CoreDNS labels by name; every other type is "other". */
const MONITORED_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'A'], [28, 'AAAA'], [5, 'CNAME'], [48, 'DNSKEY'], [43, 'DS'], [15, 'MX'], [50, 'NSEC3'],
  [47, 'NSEC'], [2, 'NS'], [12, 'PTR'], [46, 'RRSIG'], [6, 'SOA'], [33, 'SRV'], [16, 'TXT'],
  [65, 'HTTPS'], [64, 'SVCB'], [251, 'IXFR'], [252, 'AXFR'], [255, 'ANY'],
]);

export function metricTypeName(qtype: number): string {
  return MONITORED_TYPES.get(qtype) ?? 'other';
}

const OPT_SIZE = 11;

/** Bytes the client gets for this reply (header + question + records + OPT, capped by UDP size). */
export function responseSize(req: Request, reply: Reply): number {
  let size = reply.wire === null ? HEADER_SIZE + req.questionWire.length : reply.wire.length;
  if (req.edns !== null) size += OPT_SIZE;
  if (req.proto === 'udp') {
    const limit = req.edns === null ? MAX_UDP_NO_EDNS : Math.max(MAX_UDP_NO_EDNS, req.edns.udpSize);
    if (size > limit) size = limit;
  }
  return size;
}

export class DnsMetrics {
  readonly requests: FastCounterVec;
  readonly doRequests: FastCounterVec;
  readonly duration: FastHistogramVec;
  readonly requestSize: FastHistogramVec;
  readonly responseSize: FastHistogramVec;
  readonly responses: FastCounterVec;
  /** Exceptions thrown by a plugin chain (CoreDNS's recovered panics); the server increments it. */
  readonly panics: Counter;
  readonly #pluginEnabled: Gauge<'server' | 'zone' | 'view' | 'name'>;
  readonly #enabledRefs = new Map<string, number>();
  readonly #reporters = new Map<string, QueryReporter>();

  constructor(registry: Registry, build: BuildInfo) {
    const ns = 'coredns_dns_';
    this.requests = new FastCounterVec(registry, {
      name: `${ns}requests_total`,
      help: 'Counter of DNS requests made per zone, protocol and family.',
      labelNames: ['server', 'zone', 'view', 'proto', 'family', 'type'],
    });
    this.doRequests = new FastCounterVec(registry, {
      name: `${ns}do_requests_total`,
      help: 'Counter of DNS requests with DO bit set per zone.',
      labelNames: ['server', 'zone', 'view'],
    });
    this.duration = new FastHistogramVec(registry, {
      name: `${ns}request_duration_seconds`,
      help: 'Histogram of the time (in seconds) each request took per zone.',
      labelNames: ['server', 'zone', 'view', 'type'],
      buckets: TIME_BUCKETS,
    });
    this.requestSize = new FastHistogramVec(registry, {
      name: `${ns}request_size_bytes`,
      help: 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.',
      labelNames: ['server', 'zone', 'view', 'proto'],
      buckets: SIZE_BUCKETS,
    });
    this.responseSize = new FastHistogramVec(registry, {
      name: `${ns}response_size_bytes`,
      help: 'Size of the returned response in bytes.',
      labelNames: ['server', 'zone', 'view', 'proto'],
      buckets: SIZE_BUCKETS,
    });
    this.responses = new FastCounterVec(registry, {
      name: `${ns}responses_total`,
      help: 'Counter of response status codes.',
      labelNames: ['server', 'zone', 'view', 'rcode', 'plugin'],
    });
    // The server's packet observer may have registered it first; there is one per registry.
    const existing = registry.getSingleMetric('coredns_panics_total');
    this.panics =
      existing instanceof Counter
        ? existing
        : new Counter({ name: 'coredns_panics_total', help: 'A metrics that counts the number of panics.', registers: [registry] });
    this.#pluginEnabled = new Gauge({
      name: 'coredns_plugin_enabled',
      help: 'A metric that indicates whether a plugin is enabled on per server and zone basis.',
      labelNames: ['server', 'zone', 'view', 'name'],
      registers: [registry],
    });
    new Gauge({
      name: 'coredns_build_info',
      help: 'A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.',
      labelNames: ['version', 'revision', 'goversion'],
      registers: [registry],
    }).set({ version: build.version, revision: build.revision, goversion: `node${process.versions.node}` }, 1);
  }

  /** The reporter for one (server, zone, view); cached, so call it per query if need be. */
  reporter(server: string, zone: string, view = ''): QueryReporter {
    const key = `${server}\u0000${zone}\u0000${view}`;
    let r = this.#reporters.get(key);
    if (r === undefined) {
      r = new QueryReporter(this, server, zone, view);
      this.#reporters.set(key, r);
    }
    return r;
  }

  /**
   * Marks plugins enabled for a block (coredns_plugin_enabled = 1). Reference-counted so that a
   * reload that keeps a block keeps its series; the returned function releases (idempotent).
   */
  enablePlugins(server: string, zone: string, view: string, names: readonly string[]): () => void {
    const keys = [...new Set(names)].map((name) => ({ server, zone, view, name }));
    for (const labels of keys) {
      const k = JSON.stringify(labels);
      const n = this.#enabledRefs.get(k) ?? 0;
      this.#enabledRefs.set(k, n + 1);
      if (n === 0) this.#pluginEnabled.set(labels, 1);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const labels of keys) {
        const k = JSON.stringify(labels);
        const n = (this.#enabledRefs.get(k) ?? 1) - 1;
        if (n > 0) {
          this.#enabledRefs.set(k, n);
        } else {
          this.#enabledRefs.delete(k);
          this.#pluginEnabled.remove(labels);
        }
      }
    };
  }
}

/** Slot of each monitored type in the per-reporter arrays; "other" takes the last one. */
const OTHER_SLOT = MONITORED_TYPES.size;
const TYPE_SLOTS = MONITORED_TYPES.size + 1;
/** Slot by type for types below 256 (every monitored type is): an array read, not a Map lookup. */
const TYPE_SLOT = new Uint8Array(256).fill(OTHER_SLOT);
for (const [i, t] of [...MONITORED_TYPES.keys()].entries()) {
  if (t > 255) throw new Error(`monitored type ${t} needs a wider slot table`);
  TYPE_SLOT[t] = i;
}
const typeSlot = (qtype: number): number => (qtype < 256 ? TYPE_SLOT[qtype]! : OTHER_SLOT);

/** Per-(server, zone, view) children, indexed by small integers so a query allocates nothing. */
export class QueryReporter {
  readonly #m: DnsMetrics;
  readonly #labels: readonly [string, string, string];
  readonly #requests: (FastCounter | undefined)[] = [];
  readonly #duration: (FastHistogram | undefined)[] = [];
  readonly #reqSize: (FastHistogram | undefined)[] = [];
  readonly #respSize: (FastHistogram | undefined)[] = [];
  readonly #responses = new Map<string, (FastCounter | undefined)[]>();
  /** The last plugin label and its counters: nearly every reply of a block comes from one plugin. */
  #lastPlugin = '';
  #lastByRcode: (FastCounter | undefined)[] | undefined;
  #do: FastCounter | undefined;

  constructor(metrics: DnsMetrics, server: string, zone: string, view: string) {
    this.#m = metrics;
    this.#labels = [server, zone, view];
  }

  report(req: Request, reply: Reply, seconds: number): void {
    const [server, zone, view] = this.#labels;
    const m = this.#m;
    const p = req.proto === 'udp' ? 0 : 1;
    const f = req.family === 4 ? 0 : 1;
    const qtype = req.question.type;
    const t = typeSlot(qtype);
    const ri = (p * 2 + f) * TYPE_SLOTS + t;
    (this.#requests[ri] ??= m.requests.child(server, zone, view, req.proto, f === 0 ? '1' : '2', metricTypeName(qtype))).inc();
    if (req.edns?.do === true) (this.#do ??= m.doRequests.child(server, zone, view)).inc();
    (this.#duration[t] ??= m.duration.child(server, zone, view, metricTypeName(qtype))).observe(seconds);
    (this.#reqSize[p] ??= m.requestSize.child(server, zone, view, req.proto)).observe(req.raw.length);
    (this.#respSize[p] ??= m.responseSize.child(server, zone, view, req.proto)).observe(responseSize(req, reply));
    // The plugin label names who wrote the reply; "nothing written" replies are the server's.
    const plugin = reply.wire === null ? '' : reply.plugin;
    let byRcode = plugin === this.#lastPlugin ? this.#lastByRcode : undefined;
    if (byRcode === undefined) {
      byRcode = this.#responses.get(plugin);
      if (byRcode === undefined) {
        byRcode = [];
        this.#responses.set(plugin, byRcode);
      }
      this.#lastPlugin = plugin;
      this.#lastByRcode = byRcode;
    }
    (byRcode[reply.rcode] ??= m.responses.child(server, zone, view, rcodeName(reply.rcode), plugin)).inc();
  }
}
