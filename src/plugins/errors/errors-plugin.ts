// The `errors` plugin: logs the errors of the chain after it, CoreDNS's way ("RCODE NAME TYPE:
// error"). In our contract an error is either a thrown exception (logged, then re-thrown so the
// server answers SERVFAIL and counts the panic) or a SERVFAIL reply with nothing written. Messages
// matching a `consolidate` pattern are counted and summarised once per period instead.

import type { Logger } from 'pino';
import type { Handler, Plugin } from '../plugin.js';
import type { Request } from '../../dns/request.js';
import type { Reply } from '../../dns/reply.js';
import { Rcode, typeName } from '../../dns/constants.js';
import { formatDuration } from '../../corefile/duration.js';

export type ConsolidateLevel = 'warn' | 'error' | 'info' | 'debug';

export interface ConsolidateRule {
  readonly periodMs: number;
  readonly pattern: RegExp;
  /** The REGEXP as written (RegExp.source escapes "/"). */
  readonly text: string;
  readonly level: ConsolidateLevel;
  readonly showFirst: boolean;
}

export interface ErrorsConfig {
  readonly stacktrace: boolean;
  readonly consolidate: readonly ConsolidateRule[];
}

interface Window {
  count: number;
  timer: NodeJS.Timeout;
}

export class ErrorsPlugin implements Plugin {
  readonly name = 'errors';
  readonly #windows = new Map<ConsolidateRule, Window>();
  #stopped = false;

  constructor(
    readonly config: ErrorsConfig,
    private readonly logger: Logger,
  ) {}

  serve(req: Request, next: Handler): ReturnType<Handler> {
    let out: Reply | Promise<Reply>;
    try {
      out = next(req);
    } catch (err) {
      this.#thrown(req, err);
      throw err;
    }
    if (out instanceof Promise) {
      return out.then(
        (reply) => this.#checked(req, reply),
        (err: unknown) => {
          this.#thrown(req, err);
          throw err;
        },
      );
    }
    return this.#checked(req, out);
  }

  #checked(req: Request, reply: Reply): Reply {
    if (reply.wire === null && reply.rcode === Rcode.SERVFAIL) {
      this.report(req, `plugin/${reply.plugin === '' ? 'chain' : reply.plugin}: no answer (SERVFAIL)`);
    }
    return reply;
  }

  #thrown(req: Request, err: unknown): void {
    const text = err instanceof Error ? err.message : String(err);
    this.report(req, text, this.config.stacktrace && err instanceof Error ? err.stack : undefined);
  }

  /** Logs one error, or counts it into the consolidation window of the first rule it matches. */
  report(req: Request, text: string, stack?: string): void {
    const msg = `${Rcode.SERVFAIL} ${req.question.lname} ${typeName(req.question.type)}: ${text}`;
    const rule = this.config.consolidate.find((r) => r.pattern.test(msg));
    if (rule === undefined || this.#stopped) {
      this.logger.error(stack === undefined ? {} : { stack }, msg);
      return;
    }
    const w = this.#windows.get(rule);
    if (w !== undefined) {
      w.count++;
      return;
    }
    if (rule.showFirst) this.logger[rule.level](msg);
    const timer = setTimeout(() => this.#flush(rule), rule.periodMs);
    timer.unref();
    this.#windows.set(rule, { count: 1, timer });
  }

  #flush(rule: ConsolidateRule): void {
    const w = this.#windows.get(rule);
    this.#windows.delete(rule);
    if (w === undefined || (rule.showFirst && w.count === 1)) return;
    this.logger[rule.level](`${w.count} errors like '${rule.text}' occurred in last ${formatDuration(rule.periodMs)}`);
  }

  /** Prints what is pending, stops the timers. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const [rule, w] of [...this.#windows]) {
      clearTimeout(w.timer);
      this.#flush(rule);
    }
  }
}
