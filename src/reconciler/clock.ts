// Time as the reconciler sees it: passed in (never read from globals) so that tests can drive
// backoff, resync, lease expiry and grace periods with a fake clock.

export interface TimerHandle {
  readonly cancel: () => void;
}

export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** Kubernetes MicroTime text (RFC 3339 with microseconds) for a time in ms. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Kubernetes Time text (RFC 3339, whole seconds) for a time in ms. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses Time or MicroTime text; NaN when absent or malformed. */
export function parseKubeTime(text: string | null | undefined): number {
  if (typeof text !== 'string') return NaN;
  // Date.parse understands at most milliseconds: drop sub-millisecond digits.
  return Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
}
