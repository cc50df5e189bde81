// The `log` plugin: for queries under a rule's name, logs one pino JSON line per query whose
// response class the rule selects. The line carries CoreDNS's common-log fields as JSON fields
// and, as `msg`, the rule's FORMAT rendered as CoreDNS would print it.

import type { Logger } from 'pino';
import type { Handler, Plugin } from '../plugin.js';
import type { Request } from '../../dns/request.js';
import type { Reply } from '../../dns/reply.js';
import type { Clock } from '../setup-context.js';
import { classifyReply, type ResponseClass } from './classify.js';
import { logEntry } from './entry.js';
import { renderFormat, type CompiledFormat } from './format.js';

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

  constructor(
    readonly rules: readonly LogRule[],
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  serve(req: Request, next: Handler): ReturnType<Handler> {
    const rule = this.rules.find((r) => under(req.question.lname, r.name));
    if (rule === undefined) return next(req);
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
    const entry = logEntry(req, reply, (this.clock.monotonic() - start) / 1000);
    this.logger.info(entry, renderFormat(rule.format, entry));
  }
}
