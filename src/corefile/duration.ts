// Durations in Go's `time.ParseDuration` form (`300ms`, `1.5s`, `1m30s`, `2h`, `0`), the form
// CoreDNS options use, as milliseconds. Negative durations mean nothing in a config: rejected.

const NANOS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's limit: a duration is an int64 of nanoseconds. */
const MAX_NANOS = 9223372036854775807;

const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/** Milliseconds (fractions kept, `1us` is 0.001), or null for anything Go would reject or < 0. */
export function parseDuration(s: string): number | null {
  let rest = s.startsWith('+') ? s.slice(1) : s;
  if (rest === '0') return 0;
  if (rest === '') return null;
  let nanos = 0;
  while (rest !== '') {
    const m = COMPONENT.exec(rest);
    if (m === null) return null;
    const whole = m[1] ?? '';
    const fraction = m[2];
    const unit = m[3] ?? '';
    if (whole === '' && (fraction === undefined || fraction === '')) return null;
    if (!Object.hasOwn(NANOS_PER_UNIT, unit)) return null;
    const value = Number(whole === '' ? '0' : whole) + (fraction ? Number(`0.${fraction}`) : 0);
    nanos += value * NANOS_PER_UNIT[unit]!;
    rest = rest.slice(m[0].length);
  }
  if (!Number.isFinite(nanos) || nanos > MAX_NANOS) return null;
  return nanos / 1e6;
}

/** Go's `Duration.String()` style (`1m30s`, `500ms`, `1h0m0s`), for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${round(ms * 1000)}µs`;
  if (ms < 1000) return `${round(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = round((ms % 60_000) / 1000);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
