// Exponential backoff with jitter for reconnecting to an API server: doubles from `initialMs` up
// to `maxMs`, each delay drawn from the upper half of the current step so that many replicas
// losing the same server do not come back in lock-step.

export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 1000, maxMs: 30_000 };

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly settings: BackoffSettings = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {
    if (!(settings.initialMs > 0) || !(settings.maxMs >= settings.initialMs)) {
      throw new Error(`invalid backoff: initialMs ${settings.initialMs}, maxMs ${settings.maxMs}`);
    }
  }

  /** The delay before the next attempt; each call moves one step up. */
  next(): number {
    const step = Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(step / 2 + (this.random() * step) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
