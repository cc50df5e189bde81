// Where a logged query goes. With the CLI's destination (a synchronous file descriptor) the lines
// are made and written by a worker thread (worker-query-log.ts), so that the query path only
// copies a record; with any other destination, and whenever there is no worker, they are made on
// the main thread (query-log-writer.ts). Both write the same lines.

import type { Logger } from 'pino';
import type { Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import type { CompiledFormat } from './format.js';
import { isSyncFd } from './line-sink.js';
import { destinationOf, QueryLogWriter } from './query-log-writer.js';
import { WorkerQueryLog } from './worker-query-log.js';

export interface QueryLog {
  /** False when the logger's level leaves info lines out (then nothing need be computed). */
  readonly enabled: boolean;
  /** One line for an answered query, with `formats[format]` as msg, at `timeMs` (ms since the epoch). */
  log(req: Request, reply: Reply, durationNs: number, format: number, timeMs: number): void;
  start(): Promise<void>;
  /** Writes every pending line. */
  stop(): Promise<void>;
}

/** The query log for `logger`'s destination, with these formats (indexed by `log`'s `format`). */
export function openQueryLog(logger: Logger, formats: readonly CompiledFormat[]): QueryLog {
  const destination = destinationOf(logger);
  if (isSyncFd(destination) && logger.isLevelEnabled('info')) return new WorkerQueryLog(logger, formats, destination.fd);
  return new QueryLogWriter(logger, formats);
}
