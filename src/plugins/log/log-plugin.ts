// The `log` plugin: for queries under a rule's name, logs one pino JSON line per query whose
// response class the rule selects. The line carries CoreDNS's common-log fields as JSON fields
// and, as `msg`, the rule's FORMAT rendered as CoreDNS would print it.

import type { Logger } from 'pino';
import type { Handler, Plugin } from '../plugin.js';
import type { Request } from '../../dns/request.js';
import type { Reply } from '../../dns/reply.js';
import type { Clock } from '../setup-context.js';
import { classifyReply, type ResponseClass } from './classify.js';
import { fillLogEntry } from './entry.js';
import type { CompiledFormat } from './format.js';
import { QueryLogWriter } from './json-line.js';

export interface LogRule {
  /** Lower case, trailing dot; "." matches every name. */
  readonly name: string;
  readonly format: CompiledFormat;
  /** Null: every class. */
  readonly classes: ReadonlySet<ResponseClass> | null;
}

function under(qname: string, zone: string): boolean {
  if (zone === '.') return true;
  return qname === zone || (qname.endsWith(zone) && qname.charCodeAt(qname.length - zone.length - 1) === 0x2e);
}

export class LogPlugin implements Plugin {
  readonly name = 'log';
  readonly #writer: QueryLogWriter;

  constructor(
    readonly rules: readonly LogRule[],
    logger: Logger,
    private readonly clock: Clock,
  ) {
    this.#writer = new QueryLogWriter(logger);
  }

  async stop(): Promise<void> {
    this.#writer.flush();
  }

  #ruleFor(qname: string): LogRule | undefined {
    for (const r of this.rules) if (under(qname, r.name)) return r;
    return undefined;
  }

  serve(req: Request, next: Handler): ReturnType<Handler> {
    const rule = this.#ruleFor(req.question.lname);
    if (rule === undefined || !this.#writer.enabled) return next(req);
    const start = this.clock.monotonic();
    const out = next(req);
    if (out instanceof Promise) {
      return out.then((reply) => {
        this.#log(rule, req, reply, start);
        return reply;
      });
    }
    this.#log(rule, req, out, start);
    return out;
  }

  #log(rule: LogRule, req: Request, reply: Reply, start: number): void {
    if (rule.classes !== null && !rule.classes.has(classifyReply(reply))) return;
    // Whole nanoseconds, as CoreDNS prints a Go duration ("0.000123456s"), not float noise.
    fillLogEntry(this.#writer.next(), req, reply, Math.max(0, Math.round((this.clock.monotonic() - start) * 1e6)));
    this.#writer.commit(rule.format);
  }
}
