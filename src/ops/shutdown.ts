// The graceful shutdown sequence: not ready (so the Service stops routing here), lameduck (keep
// answering for the longest `health` lameduck while endpoints converge), then stop the DNS server
// (stop accepting, finish in-flight queries, stop plugins), then the remaining services.

import type { Logger } from 'pino';
import type { Lifecycle } from './lifecycle.js';

export interface ShutdownOptions {
  readonly lifecycle: Lifecycle;
  /** Stops accepting queries, lets those in flight finish, stops plugins (DnsServer.stop). */
  readonly stopServer: () => Promise<void>;
  /** Everything else long-lived: the reload watcher, the operations HTTP endpoints. */
  readonly stopServices: () => Promise<void>;
  readonly logger: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function gracefulShutdown(opts: ShutdownOptions): Promise<void> {
  const { lifecycle, logger } = opts;
  lifecycle.enterLameduck();
  const lameduck = lifecycle.lameduckMs();
  if (lameduck > 0) {
    logger.info({ lameduckMs: lameduck }, 'lameduck: still answering, not ready');
    await (opts.sleep ?? defaultSleep)(lameduck);
  }
  logger.info('no longer taking queries; finishing those in flight');
  try {
    await opts.stopServer();
  } finally {
    await opts.stopServices();
    lifecycle.markStopped();
  }
  logger.info('stopped');
}
