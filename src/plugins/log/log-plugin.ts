// The `log` plugin: for queries under a rule's name, logs one pino JSON line per query whose
// response class the rule selects. The line carries CoreDNS's common-log fields as JSON fields
// and, as `msg`, the rule's FORMAT rendered as CoreDNS would print it.

import type { Logger } from 'pino';
import type { Handler, Plugin } from '../plugin.js';
import type { Request } from '../../dns/request.js';
import type { Reply } from '../../dns/reply.js';
import type { Clock } from '../setup-context.js';
import { classifyReply, type ResponseClass } from './classify.js';
import type { CompiledFormat } from './format.js';
import { openQueryLog, type QueryLog } from './query-log.js';

export interface LogRule {
  /** Lower case, trailing dot; "." matches every name. */
  readonly name: string;
  readonly format: CompiledFormat;
  /** Null: every class. */
  readonly classes: ReadonlySet<ResponseClass> | null;
}

/** How long a wall-clock offset is used before it is taken again. */
const WALL_OFFSET_MS = 1000;

function under(qname: string, zone: string): boolean {
  if (zone === '.') return true;
  return qname === zone || (qname.endsWith(zone) && qname.charCodeAt(qname.length - zone.length - 1) === 0x2e);
}

export class LogPlugin implements Plugin {
  readonly name = 'log';
  readonly #log: QueryLog;
  /** Per rule, the index of its format in the query log's formats. */
  readonly #formatOf: readonly number[];
  /** The logger's level lets info lines through (read once: the level is set at start-up). */
  readonly #enabled: boolean;

  constructor(
    readonly rules: readonly LogRule[],
    logger: Logger,
    private readonly clock: Clock,
  ) {
    const formats = [...new Set(rules.map((r) => r.format))];
    this.#formatOf = rules.map((r) => formats.indexOf(r.format));
    this.#log = openQueryLog(logger, formats);
    this.#enabled = this.#log.enabled;
  }

  start(): Promise<void> {
    return this.#log.start();
  }

  stop(): Promise<void> {
    return this.#log.stop();
  }

  #ruleFor(qname: string): number {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) if (under(qname, rules[i]!.name)) return i;
    return -1;
  }

  serve(req: Request, next: Handler): ReturnType<Handler> {
    const rule = this.#ruleFor(req.question.lname);
    if (rule < 0 || !this.#enabled) return next(req);
    const start = this.clock.monotonic();
    const out = next(req);
    if (out instanceof Promise) {
      return out.then((reply) => {
        this.#logged(rule, req, reply, start);
        return reply;
      });
    }
    this.#logged(rule, req, out, start);
    return out;
  }

  #logged(rule: number, req: Request, reply: Reply, start: number): void {
    const classes = this.rules[rule]!.classes;
    if (classes !== null && !classes.has(classifyReply(reply))) return;
    const end = this.clock.monotonic();
    // Whole nanoseconds, as CoreDNS prints a Go duration ("0.000123456s"), not float noise.
    this.#log.log(req, reply, Math.max(0, Math.round((end - start) * 1e6)), this.#formatOf[rule]!, this.#wallTime(end));
  }

  /** Wall-clock offset of the monotonic clock, and the monotonic time it was taken (-Infinity: never). */
  #wallOffset = 0;
  #offsetAt = Number.NEGATIVE_INFINITY;

  /**
   * The line's time (ms since the epoch) from the end reading the duration already took: reading
   * the wall clock too costs a query about as much as the rest of its record. The offset between
   * the clocks is taken again each second, so a stepped wall clock shows within a second.
   */
  #wallTime(monotonic: number): number {
    if (monotonic - this.#offsetAt >= WALL_OFFSET_MS || monotonic < this.#offsetAt) {
      this.#offsetAt = this.clock.monotonic();
      this.#wallOffset = this.clock.now() - this.#offsetAt;
    }
    return Math.floor(monotonic + this.#wallOffset);
  }
}
