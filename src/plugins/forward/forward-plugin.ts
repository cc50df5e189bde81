// The forward plugin's query path (CoreDNS's Forward.ServeDNS): names under FROM and not under an
// `except` zone go upstream; the upstreams are tried in policy order until one answers or the
// per-query deadline or the cap on failed attempts (max_connect_attempts) is reached; down
// upstreams are skipped unless all are down. A reply whose rcode is listed in `failover` sends the
// query to the next upstream (at most once per upstream, the last reply then stands). A reply
// whose rcode is listed in `next` (or an empty NOERROR with `next_on_nodata`) hands the query to
// the next `forward` of the block, when there is one right after this one. Every other name goes
// to the next plugin.

import type { Logger } from 'pino';
import { Flag, Rcode } from '../../dns/constants.js';
import { rcodeReply, wireReply, type Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import type { ChainObserver } from '../../ops/chain-observer.js';
import type { Handler, Plugin } from '../plugin.js';
import type { Clock } from '../setup-context.js';
import { resolverLookup, resolveUpstreams, systemLookup, type HostResolver } from './hostname-upstreams.js';
import type { ForwardMetrics } from './metrics.js';
import { makePolicy, pickRandom, type Policy, type PolicyName } from './policy.js';
import { RandomIds } from './random-id.js';
import { fullRcode } from '../../dns/wire/reply-match.js';
import type { StreamTls } from './stream-connection.js';
import { isHostnameTo, type ToEntry } from './to-address.js';
import { Upstream, type Proto, type UpstreamAddress } from './upstream.js';
import { inZone } from '../../dns/zones.js';

export interface ForwardConfig {
  /** Lower case, trailing dot. */
  readonly from: string;
  /** Every zone FROM stands for (a CIDR off a label boundary stands for several; only `from` is used). */
  readonly fromZones: readonly string[];
  readonly except: readonly string[];
  /** In the order written; hostnames are resolved at start(). */
  readonly upstreams: readonly ToEntry[];
  readonly forceTcp: boolean;
  readonly preferUdp: boolean;
  readonly expireMs: number;
  readonly maxFails: number;
  readonly healthCheck: { readonly intervalMs: number; readonly recursionDesired: boolean; readonly domain: string };
  readonly policy: PolicyName;
  /** 0: unlimited. */
  readonly maxConcurrent: number;
  readonly tls: StreamTls;
  readonly failfastAllUnhealthy: boolean;
  /** Rcodes that hand the query to the next `forward` (`next`). */
  readonly next: readonly number[];
  readonly nextOnNodata: boolean;
  /** Rcodes that send the query to the next upstream (`failover`). */
  readonly failover: readonly number[];
  /** Failed attempts allowed per query; null: twice the upstreams (CoreDNS); 0: no cap. */
  readonly maxConnectAttempts: number | null;
  readonly maxIdleConns: number;
  /** One upstream attempt (`read_timeout`); null: the plugin's default (2 s). */
  readonly readTimeoutMs: number | null;
  readonly maxAgeMs: number;
  readonly dohMethod: 'GET' | 'POST';
  /** `host:port` of the servers that resolve hostname upstreams; empty: the system resolver. */
  readonly resolvers: readonly string[];
  readonly sourceAddress: string | null;
}

/** Defaults CoreDNS hard-codes or configures per directive; tests shorten them. */
export interface ForwardTimeouts {
  /** One upstream attempt when `read_timeout` is not given (CoreDNS's default read timeout). */
  readonly attemptMs: number;
  /** The whole query, across upstreams. */
  readonly deadlineMs: number;
  readonly healthCheckMs: number;
}

export const DEFAULT_TIMEOUTS: ForwardTimeouts = { attemptMs: 2000, deadlineMs: 5000, healthCheckMs: 1000 };

/** CoreDNS's defaultConnectAttemptsPerUpstream. */
const ATTEMPTS_PER_UPSTREAM = 2;

export interface ForwardDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: ForwardMetrics;
  readonly timeouts?: ForwardTimeouts;
  /** How hostname upstreams are looked up (default: `resolver`, else the system resolver). */
  readonly lookup?: HostResolver;
  /** Where the directive is, for errors found at start (a hostname that does not resolve). */
  readonly where?: { readonly file: string; readonly line: number };
}

export class ForwardPlugin implements Plugin, ChainObserver {
  readonly name = 'forward';
  #upstreams: Upstream[] = [];
  readonly #policy: Policy;
  readonly #timeouts: ForwardTimeouts;
  readonly #ids = new RandomIds();
  #inflight = 0;
  /** Set from the block's chain: the plugin right after this one is another `forward`. */
  #nextIsForward = false;

  constructor(
    readonly config: ForwardConfig,
    private readonly deps: ForwardDeps,
  ) {
    this.#timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
    this.#policy = makePolicy(config.policy);
    // Without hostnames the upstreams exist at once; otherwise start() resolves and makes them.
    if (!config.upstreams.some(isHostnameTo)) this.#upstreams = this.#makeUpstreams(dedup(config.upstreams as UpstreamAddress[]));
  }

  get upstreams(): readonly Upstream[] {
    return this.#upstreams;
  }

  observeChain(plugins: readonly Plugin[]): void {
    const i = plugins.indexOf(this);
    this.#nextIsForward = i >= 0 && plugins[i + 1] instanceof ForwardPlugin;
  }

  async start(): Promise<void> {
    if (!this.config.upstreams.some(isHostnameTo) || this.#upstreams.length > 0) return;
    const lookup = this.deps.lookup ?? (this.config.resolvers.length > 0 ? resolverLookup(this.config.resolvers) : systemLookup);
    const addresses = await resolveUpstreams(this.config.upstreams, lookup, this.deps.where ?? { file: 'Corefile', line: 0 });
    this.deps.logger.info({ from: this.config.from, upstreams: addresses.map((a) => `${a.transport}://${a.label}`) }, 'forward upstreams resolved');
    this.#upstreams = this.#makeUpstreams(addresses);
  }

  /** Whether this plugin forwards `lname` (CoreDNS's match + isAllowedDomain). */
  handles(lname: string): boolean {
    if (!inZone(lname, this.config.from)) return false;
    if (lname === this.config.from) return true;
    for (const zone of this.config.except) if (inZone(lname, zone)) return false;
    return true;
  }

  serve(req: Request, next: Handler): Reply | Promise<Reply> {
    if (!this.handles(req.question.lname)) return next(req);
    const max = this.config.maxConcurrent;
    if (max > 0 && this.#inflight >= max) {
      this.deps.metrics.maxConcurrentReject();
      return rcodeReply(Rcode.REFUSED, this.name);
    }
    this.#inflight++;
    return this.#forward(req, next).finally(() => {
      this.#inflight--;
    });
  }

  async stop(): Promise<void> {
    for (const u of this.#upstreams) u.stop();
  }

  #makeUpstreams(addresses: readonly UpstreamAddress[]): Upstream[] {
    const cfg = this.config;
    return addresses.map(
      (a) =>
        new Upstream(
          a,
          {
            expireMs: cfg.expireMs,
            maxIdleConns: cfg.maxIdleConns,
            maxAgeMs: cfg.maxAgeMs,
            tls: cfg.tls,
            health: { ...cfg.healthCheck, timeoutMs: this.#timeouts.healthCheckMs, tcp: cfg.forceTcp },
            dohMethod: cfg.dohMethod,
            sourceAddress: cfg.sourceAddress,
          },
          this.deps.metrics,
          this.deps.clock,
          this.#ids,
        ),
    );
  }

  async #forward(req: Request, next: Handler): Promise<Reply> {
    const { clock, metrics, logger } = this.deps;
    const cfg = this.config;
    const list = this.#policy.order(this.#upstreams);
    if (list.length === 0) return rcodeReply(Rcode.SERVFAIL, this.name);
    const proto: Proto = cfg.forceTcp || (req.proto === 'tcp' && !cfg.preferUdp) ? 'tcp' : 'udp';
    const deadline = clock.monotonic() + this.#timeouts.deadlineMs;
    const attemptMs = cfg.readTimeoutMs ?? this.#timeouts.attemptMs;
    const maxAttempts = cfg.maxConnectAttempts ?? ATTEMPTS_PER_UPSTREAM * list.length;
    let i = 0;
    let downSeen = 0;
    let failedAttempts = 0;
    let failovers = 0;
    while ((maxAttempts === 0 || failedAttempts < maxAttempts) && clock.monotonic() < deadline) {
      if (i >= list.length) {
        i = 0;
        downSeen = 0;
      }
      let upstream = list[i++]!;
      let allDown = false;
      if (upstream.down(cfg.maxFails)) {
        downSeen++;
        if (downSeen < list.length) continue;
        // Every upstream is down: assume health checking itself is broken (CoreDNS) and try one.
        metrics.healthcheckBroken();
        if (cfg.failfastAllUnhealthy) return rcodeReply(Rcode.SERVFAIL, this.name);
        upstream = pickRandom(list);
        allDown = true;
      }
      const started = clock.monotonic();
      const timeout = Math.min(attemptMs, deadline - started);
      metrics.request(upstream.label);
      let r;
      try {
        r = await upstream.exchange(req.raw, req.questionWire, proto, timeout);
      } catch (e) {
        logger.debug({ to: upstream.label, qname: req.question.name, err: (e as Error).message }, 'upstream exchange failed');
        if (cfg.maxFails !== 0) upstream.healthcheck();
        failedAttempts++;
        if (allDown) break;
        continue;
      }
      const rcode = fullRcode(r.wire, r.layout);
      metrics.response(upstream.label, rcode, (clock.monotonic() - started) / 1000);
      if (cfg.failover.includes(rcode) && ++failovers < list.length) continue;
      if (this.#nextIsForward) {
        if (cfg.next.includes(rcode)) return next(req);
        if (cfg.nextOnNodata && rcode === Rcode.NOERROR && r.layout.counts[0] === 0) return next(req);
      }
      const flags = ((r.wire[2]! << 8) | r.wire[3]!) & (Flag.AA | Flag.AD | Flag.RA);
      return wireReply(rcode, flags, r.wire, this.name, r.layout);
    }
    return rcodeReply(Rcode.SERVFAIL, this.name);
  }
}

/** The first of each address (CoreDNS de-duplicates the upstreams of one `forward`). */
function dedup(addresses: readonly UpstreamAddress[]): UpstreamAddress[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const key = `${a.transport}://${a.label}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
