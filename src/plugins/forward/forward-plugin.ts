// The forward plugin's query path (CoreDNS's Forward.ServeDNS): names under FROM and not under an
// `except` zone go upstream; the upstreams are tried in policy order until one answers or the
// per-query deadline passes; down upstreams are skipped unless all are down. Everything else
// goes to the next plugin.

import type { Logger } from 'pino';
import { Flag, Rcode } from '../../dns/constants.js';
import { rcodeReply, wireReply, type Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import type { Handler, Plugin } from '../plugin.js';
import type { Clock } from '../setup-context.js';
import type { ForwardMetrics } from './metrics.js';
import { makePolicy, pickRandom, type Policy, type PolicyName } from './policy.js';
import { RandomIds } from './random-id.js';
import { fullRcode } from '../../dns/wire/reply-match.js';
import type { StreamTls } from './stream-connection.js';
import { Upstream, type Proto, type UpstreamAddress } from './upstream.js';
import { inZone } from '../../dns/zones.js';

export interface ForwardConfig {
  /** Lower case, trailing dot. */
  readonly from: string;
  readonly except: readonly string[];
  readonly upstreams: readonly UpstreamAddress[];
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
}

/** Not configurable from the Corefile (CoreDNS hard-codes them); tests shorten them. */
export interface ForwardTimeouts {
  /** One upstream attempt (CoreDNS's read timeout). */
  readonly attemptMs: number;
  /** The whole query, across upstreams. */
  readonly deadlineMs: number;
  readonly healthCheckMs: number;
}

export const DEFAULT_TIMEOUTS: ForwardTimeouts = { attemptMs: 2000, deadlineMs: 5000, healthCheckMs: 1000 };

/** A bound on attempts per query, so a fast-failing upstream is not hammered until the deadline. */
const PASSES = 3;

export interface ForwardDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: ForwardMetrics;
  readonly timeouts?: ForwardTimeouts;
}

export class ForwardPlugin implements Plugin {
  readonly name = 'forward';
  readonly upstreams: readonly Upstream[];
  readonly #policy: Policy;
  readonly #timeouts: ForwardTimeouts;
  #inflight = 0;

  constructor(
    readonly config: ForwardConfig,
    private readonly deps: ForwardDeps,
  ) {
    this.#timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
    const ids = new RandomIds();
    this.upstreams = config.upstreams.map(
      (a) =>
        new Upstream(
          a,
          {
            expireMs: config.expireMs,
            tls: config.tls,
            health: { ...config.healthCheck, timeoutMs: this.#timeouts.healthCheckMs, tcp: config.forceTcp },
          },
          deps.metrics,
          deps.clock,
          ids,
        ),
    );
    this.#policy = makePolicy(config.policy);
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
    return this.#forward(req).finally(() => {
      this.#inflight--;
    });
  }

  async stop(): Promise<void> {
    for (const u of this.upstreams) u.stop();
  }

  async #forward(req: Request): Promise<Reply> {
    const { clock, metrics, logger } = this.deps;
    const cfg = this.config;
    const list = this.#policy.order(this.upstreams);
    const proto: Proto = cfg.forceTcp || (req.proto === 'tcp' && !cfg.preferUdp) ? 'tcp' : 'udp';
    const deadline = clock.monotonic() + this.#timeouts.deadlineMs;
    const maxAttempts = PASSES * list.length;
    let i = 0;
    let downSeen = 0;
    let attempts = 0;
    while (attempts < maxAttempts && clock.monotonic() < deadline) {
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
      attempts++;
      const started = clock.monotonic();
      const timeout = Math.min(this.#timeouts.attemptMs, deadline - started);
      metrics.request(upstream.label);
      try {
        const r = await upstream.exchange(req.raw, req.questionWire, proto, timeout);
        const rcode = fullRcode(r.wire, r.layout);
        metrics.response(upstream.label, rcode, (clock.monotonic() - started) / 1000);
        const flags = ((r.wire[2]! << 8) | r.wire[3]!) & (Flag.AA | Flag.AD | Flag.RA);
        return wireReply(rcode, flags, r.wire, this.name, r.layout);
      } catch (e) {
        logger.debug({ to: upstream.label, qname: req.question.name, err: (e as Error).message }, 'upstream exchange failed');
        if (cfg.maxFails !== 0) upstream.healthcheck();
        if (allDown) break;
      }
    }
    return rcodeReply(Rcode.SERVFAIL, this.name);
  }
}
