// The query log made on the main thread (the way for destinations other than a synchronous file
// descriptor, for a log that is not busy, and the fallback when the worker is gone): a logged
// query fills an entry of the batch, which is written when full, FLUSH_AFTER_MS after its first
// line, or at flush.

import { pino, type Logger } from 'pino';
import type { Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import { fillLogEntry, type LogEntry } from './entry.js';
import type { CompiledFormat } from './format.js';
import type { QueryLog } from './query-log.js';
import { FLUSH_AFTER_MS, QueryLogLines } from './json-line.js';
import { lineSinkFor, type Destination } from './line-sink.js';

/** `,"key":value` for each of the logger's bindings (base fields and child bindings), in order. */
export function bindingsText(logger: Logger): string {
  let bindings = '';
  for (const [k, v] of Object.entries(logger.bindings())) bindings += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  return bindings;
}

/** The logger's destination (pino's stream). */
export function destinationOf(logger: Logger): Destination {
  return (logger as unknown as Record<symbol, Destination>)[pino.symbols.streamSym]!;
}

export class QueryLogWriter implements QueryLog {
  readonly #logger: Logger;
  readonly #lines: QueryLogLines;

  /** `formats` are the ones `log` indexes. */
  constructor(
    logger: Logger,
    private readonly formats: readonly CompiledFormat[] = [],
  ) {
    this.#logger = logger;
    this.#lines = new QueryLogLines(lineSinkFor(destinationOf(logger)), bindingsText(logger));
  }

  /** False when the logger's level leaves info lines out (then nothing need be computed). */
  get enabled(): boolean {
    return this.#logger.isLevelEnabled('info');
  }

  #scheduled = false;
  readonly #flushSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** The entry to fill for the next line; it is the writer's, and is used once `commit` is called. */
  next(): LogEntry {
    return this.#lines.next();
  }

  /** Adds the line of the entry `next()` gave, filled in, with `format` as its msg, at `timeMs` (now if not given). */
  commit(format: CompiledFormat, timeMs = Date.now()): void {
    this.#lines.commit(format, timeMs);
    if (this.#lines.pending > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setTimeout(this.#flushSoon, FLUSH_AFTER_MS).unref();
    }
  }

  /** One line for `e` (copied) with `format` as msg. */
  write(e: LogEntry, format: CompiledFormat): void {
    Object.assign(this.next(), e);
    this.commit(format);
  }

  log(req: Request, reply: Reply, durationNs: number, format: number, timeMs: number): void {
    fillLogEntry(this.next(), req, reply, durationNs);
    this.commit(this.formats[format]!, timeMs);
  }

  /** Makes and writes the lines pending now. */
  flush(): void {
    this.#lines.flush();
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.flush();
  }
}
