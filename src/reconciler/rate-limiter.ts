// Retry pacing for the work queue, in the manner of client-go's default controller rate limiter:
// the slower of an exponential per-key backoff and an overall token bucket.

import type { Clock } from './clock.js';

export interface RateLimiter {
  /** Delay in ms before `key` may be retried; each call counts as one more failure. */
  when(key: string): number;
  /** Clears the key's failure history (after a success). */
  forget(key: string): void;
  failures(key: string): number;
}

/** baseMs * 2^failures, capped at maxMs. */
export class ExponentialBackoff implements RateLimiter {
  private readonly counts = new Map<string, number>();
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  when(key: string): number {
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(n, 62));
  }

  forget(key: string): void {
    this.counts.delete(key);
  }

  failures(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

/** An overall budget of `qps` retries per second with bursts of `burst`, shared by all keys. */
export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number;
  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(): void {}

  failures(): number {
    return 0;
  }
}

export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  failures(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.failures(key)));
  }
}

export function defaultRateLimiter(
  opts: { baseDelayMs: number; maxDelayMs: number; qps: number; burst: number },
  clock: Clock,
): RateLimiter {
  return new MaxOfRateLimiter(new ExponentialBackoff(opts.baseDelayMs, opts.maxDelayMs), new TokenBucket(opts.qps, opts.burst, clock));
}
