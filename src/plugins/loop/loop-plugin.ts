// Forwarding-loop detection (CoreDNS's loop plugin): once the server is up, send one
// `<random>.<random>.<zone> HINFO` query to our own listen address. If that name comes back through
// this block more than twice, queries are going round in circles (typically forward -> a resolver
// that forwards back to us). CoreDNS exits the process then; we log a fatal-level error and answer
// SERVFAIL for this block from then on, so the loop stops and other blocks keep serving.

import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { Flag, HEADER_SIZE, QClass, QType, Rcode } from '../../dns/constants.js';
import { rcodeReply, type Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import { encodeName } from '../../dns/wire/names.js';
import { inZone } from '../../dns/zones.js';
import { RandomIds, withId } from '../forward/random-id.js';
import { exchangeUdp } from '../forward/udp-exchange.js';
import type { Handler, Plugin } from '../plugin.js';
import { systemClock, type Clock } from '../setup-context.js';

export interface ProbeTarget {
  readonly address: string;
  /** 0 until known (a listener bound to an ephemeral port). */
  readonly port: number;
}

export interface LoopTimings {
  /** One probe exchange. */
  readonly attemptMs: number;
  /** Pause between failed probe exchanges (the server may not be listening yet). */
  readonly retryMs: number;
  /** How long to keep trying to get the probe through. */
  readonly windowMs: number;
  /** After the probe got an answer, keep watching this long, then stop counting. */
  readonly settleMs: number;
}

export const DEFAULT_LOOP_TIMINGS: LoopTimings = { attemptMs: 2000, retryMs: 1000, windowMs: 30_000, settleMs: 2000 };

export interface LoopDeps {
  readonly logger: Logger;
  /** The block's first zone (lower case, trailing dot): the probe name lives under it. */
  readonly zone: string;
  readonly zones: readonly string[];
  /** Where our own listener is; read at each probe attempt. */
  readonly target: () => ProbeTarget;
  readonly timings?: LoopTimings;
  readonly clock?: Clock;
}

/** More sightings than this of our probe name mean a loop (CoreDNS: seen > 2). */
const MAX_SIGHTINGS = 2;

export class LoopPlugin implements Plugin {
  readonly name = 'loop';
  /** The probe name, lower case. */
  readonly qname: string;
  #seen = 0;
  #looped = false;
  #disabled = false;
  #stopped = false;
  #override: ProbeTarget | null = null;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #timings: LoopTimings;

  constructor(private readonly deps: LoopDeps) {
    this.#timings = deps.timings ?? DEFAULT_LOOP_TIMINGS;
    const label = (): string => String(randomInt(0, 2 ** 48 - 1));
    this.qname = deps.zone === '.' ? `${label()}.${label()}.` : `${label()}.${label()}.${deps.zone}`;
  }

  /** Whether a loop was detected (the block answers SERVFAIL from then on). */
  get looped(): boolean {
    return this.#looped;
  }

  /** For servers that learn their real address late (port 0): where the probe must go. */
  setProbeTarget(target: ProbeTarget): void {
    this.#override = target;
  }

  serve(req: Request, next: Handler): Reply | Promise<Reply> {
    if (this.#looped) return rcodeReply(Rcode.SERVFAIL, this.name);
    if (this.#disabled) return next(req);
    const lname = req.question.lname;
    if (lname === this.qname && this.deps.zones.some((z) => inZone(lname, z))) {
      this.#seen++;
      if (this.#seen > MAX_SIGHTINGS) {
        this.#looped = true;
        const t = this.#target();
        this.deps.logger.fatal(
          { zone: this.deps.zone, qname: this.qname, from: `${req.remoteAddress}:${req.remotePort}` },
          `Loop (${req.remoteAddress}:${req.remotePort} -> ${t.address}:${t.port}) detected for zone "${this.deps.zone}", ` +
            `see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${this.qname}". ` +
            'Answering SERVFAIL for this server block instead of forwarding; fix the upstream and restart.',
        );
        return rcodeReply(Rcode.SERVFAIL, this.name);
      }
    }
    return next(req);
  }

  /** Starts the probe in the background: listeners are not open yet when start() runs. */
  async start(): Promise<void> {
    void this.#probe();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #target(): ProbeTarget {
    return this.#override ?? this.deps.target();
  }

  async #probe(): Promise<void> {
    const { attemptMs, retryMs, windowMs, settleMs } = this.#timings;
    const ids = new RandomIds();
    const name = encodeName(this.qname);
    const query = new Uint8Array(HEADER_SIZE + name.length + 4);
    query[2] = Flag.RD >> 8;
    query[5] = 1;
    query.set(name, HEADER_SIZE);
    query[HEADER_SIZE + name.length + 1] = QType.HINFO;
    query[HEADER_SIZE + name.length + 3] = QClass.IN;
    const clock = this.deps.clock ?? systemClock;
    const started = clock.monotonic();
    while (!this.#stopped && !this.#looped && clock.monotonic() - started < windowMs) {
      const t = this.#target();
      if (t.port !== 0) {
        const id = ids.take();
        const q = withId(query, id);
        try {
          await exchangeUdp({ host: t.address, port: t.port, family: t.address.includes(':') ? 6 : 4 }, q, id, q.subarray(HEADER_SIZE), attemptMs);
          // Answered (whatever the rcode): watch a little longer for the probe coming round again.
          await this.#sleep(settleMs);
          break;
        } catch {
          // Not listening yet, or the probe got lost: try again.
        }
      }
      await this.#sleep(retryMs);
    }
    this.#disabled = true;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.#timers.add(t);
    });
  }
}
