// The process-wide operations services the operations plugins share (built once by
// create-operations.ts, handed to setup through Runtime.ops): HTTP endpoint servers, the
// readiness list, the lifecycle/lameduck state and CoreDNS's server metrics.

import type { DnsMetrics } from './dns-metrics.js';
import type { HttpEndpoints } from './http-endpoints.js';
import type { Lifecycle } from './lifecycle.js';
import type { ReadinessRegistry } from './readiness.js';

export interface Operations {
  readonly http: HttpEndpoints;
  readonly readiness: ReadinessRegistry;
  readonly lifecycle: Lifecycle;
  readonly dnsMetrics: DnsMetrics;
}
