// Go-style duration strings (`60s`, `1m30s`, `250ms`, `1.5h`) as operators write them in Kubernetes
// tooling, converted to milliseconds. Parsing only; callers decide what range is acceptable.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds, or null when `text` is not a Go duration. `0` alone is accepted, as in Go. */
export function parseGoDuration(text: string): number | null {
  if (text === '0') return 0;
  if (text.length === 0) return null;
  let pos = 0;
  let total = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (m === null) return null;
    const value = Number(m[1]);
    const unit = UNIT_MS[m[2] ?? ''];
    if (unit === undefined || !Number.isFinite(value)) return null;
    total += value * unit;
    pos = PART.lastIndex;
  }
  return total;
}

/** The inverse, for messages and logs: milliseconds as the shortest Go-style text. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
