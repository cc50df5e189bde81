// The `prometheus` plugin: serves the registry on /metrics and reports every query that passes
// through it under CoreDNS's metric names (ops/dns-metrics.ts). It sits early in the chain, so
// it times and counts what the rest of the chain answered. A query whose plugin threw is counted
// as CoreDNS's server counts a recovered panic: zone "dropped", SERVFAIL, no plugin, no duration.

import type { Registry } from 'prom-client';
import type { Handler, Plugin } from '../plugin.js';
import type { Request } from '../../dns/request.js';
import { rcodeReply, type Reply } from '../../dns/reply.js';
import { Rcode } from '../../dns/constants.js';
import type { Clock } from '../setup-context.js';
import type { ChainObserver } from '../../ops/chain-observer.js';
import type { QueryReporter } from '../../ops/dns-metrics.js';
import type { EndpointLease } from '../../ops/http-endpoints.js';
import type { ListenAddress } from '../../ops/listen-address.js';
import type { Operations } from '../../ops/operations.js';

export interface PrometheusConfig {
  readonly addr: ListenAddress;
  /** CoreDNS `server` labels of the block, one per listen address. */
  readonly servers: () => readonly string[];
  readonly zones: readonly string[];
}

/** Plugins that CoreDNS does not count in coredns_plugin_enabled (they are not query handlers). */
const NOT_HANDLERS = new Set(['health', 'ready']);

const PANIC_REPLY = rcodeReply(Rcode.SERVFAIL, '');
/** CoreDNS's vars.Dropped: no trailing dot, so it can never be a real zone. */
export const DROPPED_ZONE = 'dropped';

export class PrometheusPlugin implements Plugin, ChainObserver {
  readonly name = 'prometheus';
  #pluginNames: readonly string[] = [];
  #lease: EndpointLease | null = null;
  #disable: (() => void) | null = null;
  /** server -> zone -> reporter: two lookups on strings the server already holds, no key building. */
  readonly #reporters = new Map<string, Map<string, QueryReporter>>();

  constructor(
    readonly config: PrometheusConfig,
    private readonly ops: Operations,
    private readonly registry: Registry,
    private readonly clock: Clock,
  ) {}

  serve(req: Request, next: Handler): ReturnType<Handler> {
    const start = this.clock.monotonic();
    let out: Reply | Promise<Reply>;
    try {
      out = next(req);
    } catch (err) {
      // The server answers SERVFAIL and counts the panic in coredns_panics_total.
      this.#reportPanic(req);
      throw err;
    }
    if (out instanceof Promise) {
      return out.then(
        (reply) => {
          this.#report(req, reply, start);
          return reply;
        },
        (err: unknown) => {
          this.#reportPanic(req);
          throw err;
        },
      );
    }
    this.#report(req, out, start);
    return out;
  }

  /** The reporter of the last query's server and zone: a listener's queries nearly all share them. */
  #last: { readonly server: string; readonly zone: string; readonly reporter: QueryReporter } | null = null;

  #report(req: Request, reply: Reply, start: number): void {
    const last = this.#last;
    const reporter = last !== null && last.server === req.server && last.zone === req.zone ? last.reporter : this.#reporterOf(req);
    reporter.report(req, reply, (this.clock.monotonic() - start) / 1000);
  }

  /** CoreDNS reports from the server's recover() with a fresh start time, so the duration is 0. */
  #reportPanic(req: Request): void {
    this.ops.dnsMetrics.reporter(req.server, DROPPED_ZONE).report(req, PANIC_REPLY, 0);
  }

  #reporterOf(req: Request): QueryReporter {
    let byZone = this.#reporters.get(req.server);
    if (byZone === undefined) {
      byZone = new Map();
      this.#reporters.set(req.server, byZone);
    }
    let reporter = byZone.get(req.zone);
    if (reporter === undefined) {
      reporter = this.ops.dnsMetrics.reporter(req.server, req.zone);
      byZone.set(req.zone, reporter);
    }
    this.#last = { server: req.server, zone: req.zone, reporter };
    return reporter;
  }

  observeChain(plugins: readonly Plugin[]): void {
    this.#pluginNames = plugins.map((p) => p.name).filter((n) => !NOT_HANDLERS.has(n));
  }

  get port(): number | undefined {
    return this.#lease?.port;
  }

  async start(): Promise<void> {
    if (this.#lease !== null) return;
    const registry = this.registry;
    this.#lease = await this.ops.http.acquire(this.config.addr, '/metrics', async (_req, res) => {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    });
    const releases = this.config
      .servers()
      .flatMap((server) => this.config.zones.map((zone) => this.ops.dnsMetrics.enablePlugins(server, zone, '', this.#pluginNames)));
    this.#disable = () => releases.forEach((r) => r());
  }

  async stop(): Promise<void> {
    this.#disable?.();
    this.#disable = null;
    const lease = this.#lease;
    this.#lease = null;
    await lease?.release();
  }
}
