// Builds the operations services once per process, for main.ts: everything the health, ready and
// prometheus plugins share, plus the Node process metrics prom-client collects.

import type { Logger } from 'pino';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { DnsMetrics, type BuildInfo } from './dns-metrics.js';
import { HttpEndpoints } from './http-endpoints.js';
import { Lifecycle } from './lifecycle.js';
import type { Operations } from './operations.js';
import { ReadinessRegistry } from './readiness.js';

export interface OperationsOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly build: BuildInfo;
  /** process_* and nodejs_* metrics; off in tests that build many registries. Default true. */
  readonly processMetrics?: boolean;
}

export function createOperations(opts: OperationsOptions): Operations {
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: opts.registry });
  return {
    http: new HttpEndpoints(opts.logger.child({ component: 'ops-http' })),
    readiness: new ReadinessRegistry(),
    lifecycle: new Lifecycle(),
    dnsMetrics: new DnsMetrics(opts.registry, opts.build),
  };
}
