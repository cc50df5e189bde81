// Fault injection for the fake API server: scripted error answers, per-request latency, a request
// rate past which it answers 429, closing or silencing watch streams, and compacting the event history.

export type PathFilter = string | RegExp;

interface FailureRule {
  remaining: number;
  readonly code: number;
  readonly filter: PathFilter | undefined;
}

export interface FaultHooks {
  closeWatches(): void;
  silenceWatches(on: boolean): void;
  compactHistory(): void;
}

export class Faults {
  private rules: FailureRule[] = [];
  private latency = 0;
  private rate = 0;
  private windowStart = 0;
  private inWindow = 0;

  constructor(private readonly hooks: FaultHooks) {}

  /** Ends every open watch stream now (a clean end of the response, as an apiserver restart would). */
  closeWatches(): void {
    this.hooks.closeWatches();
  }

  /** Answers the next `n` requests whose path (with query) matches `pathFilter` with `code`. */
  failNext(n: number, code = 500, pathFilter?: PathFilter): void {
    this.rules.push({ remaining: n, code, filter: pathFilter });
  }

  /** Answers every matching request with `code` until clearFailures(). */
  failUntilCleared(code = 500, pathFilter?: PathFilter): void {
    this.rules.push({ remaining: Number.POSITIVE_INFINITY, code, filter: pathFilter });
  }

  clearFailures(): void {
    this.rules = [];
  }

  /** Delays every request by `ms` before it is handled (0 turns it off). */
  setLatency(ms: number): void {
    this.latency = Math.max(0, ms);
  }

  latencyMs(): number {
    return this.latency;
  }

  /**
   * Answers requests beyond `perSecond` in any one-second window with 429 TooManyRequests and
   * `Retry-After: 1`, as a busy API server's priority and fairness does (0 turns it off).
   */
  limitRequestRate(perSecond: number): void {
    this.rate = Math.max(0, perSecond);
  }

  /** Whether this request is over the rate (counting it). */
  overRate(now: number): boolean {
    if (this.rate === 0) return false;
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return ++this.inWindow > this.rate;
  }

  /**
   * While on, every open watch and every new one goes mute: its stream stays open but sends
   * nothing, not even bookmarks. A stream muted once stays mute (it has missed events); turning
   * this off only affects watches opened afterwards.
   */
  silenceWatches(on: boolean): void {
    this.hooks.silenceWatches(on);
  }

  /** Drops the whole event history: a watch resuming from any older resourceVersion gets 410. */
  compactHistory(): void {
    this.hooks.compactHistory();
  }

  /** The status code to fail this request with, consuming one use of the matching rule. */
  take(path: string): number | null {
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      const f = rule.filter;
      if (f !== undefined && !(typeof f === 'string' ? path.includes(f) : f.test(path))) continue;
      rule.remaining--;
      return rule.code;
    }
    return null;
  }
}
