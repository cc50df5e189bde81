// Client-side rate limiting of every request to one member cluster (lists, watches, reads, writes),
// as client-go's QPS/burst does: an API server that serves a fleet's controllers expects it, and
// one busy member cluster must not make the reconciler flood its API server.

import type { ApiConnection, ApiRequestOptions } from '../k8s/connection.js';
import type { Clock } from './clock.js';
import { TokenBucket } from './rate-limiter.js';

export interface RequestRate {
  readonly qps: number;
  readonly burst: number;
}

/** The same connection, each request waiting for a token of a `qps`/`burst` bucket first. */
export function throttledConnection(conn: ApiConnection, rate: RequestRate, clock: Clock): ApiConnection {
  const bucket = new TokenBucket(rate.qps, rate.burst, clock);
  return {
    server: conn.server,
    async requestOptions(): Promise<ApiRequestOptions> {
      const delay = bucket.when();
      if (delay > 0) await new Promise<void>((resolve) => clock.setTimer(resolve, delay));
      return conn.requestOptions();
    },
  };
}
