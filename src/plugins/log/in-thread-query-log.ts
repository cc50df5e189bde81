// The query log made on the main thread, as a QueryLog (query-log.ts).

import type { Logger } from 'pino';
import type { Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import { fillLogEntry } from './entry.js';
import type { CompiledFormat } from './format.js';
import type { QueryLog } from './query-log.js';
import { QueryLogWriter } from './query-log-writer.js';

export class InThreadQueryLog implements QueryLog {
  readonly #writer: QueryLogWriter;

  constructor(
    logger: Logger,
    private readonly formats: readonly CompiledFormat[],
  ) {
    this.#writer = new QueryLogWriter(logger);
  }

  get enabled(): boolean {
    return this.#writer.enabled;
  }

  log(req: Request, reply: Reply, durationNs: number, format: number): void {
    fillLogEntry(this.#writer.next(), req, reply, durationNs);
    this.#writer.commit(this.formats[format]!);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.#writer.flush();
  }
}

