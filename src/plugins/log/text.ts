// The two value texts of a query-log line that need work: a name as the inside of a JSON string,
// and a duration as CoreDNS prints it.

const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** `s` as the inside of a JSON string (as JSON.stringify escapes it); most names pass unchanged. */
export function jsonText(s: string): string {
  return NEEDS_JSON_ESCAPE.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}

/**
 * Whole nanoseconds as seconds, the way Go's strconv.FormatFloat(s, 'f', -1, 64) prints them
 * (CoreDNS's {duration}): "0.000123456", "2", "0.0000005"; never an exponent. Integer arithmetic
 * only: number-to-text of a float is the slowest step of a log line otherwise.
 */
export function secondsText(ns: number): string {
  if (ns >= 2 ** 31) return (ns / 1e9).toFixed(9).replace(/\.?0+$/, '');
  const whole = (ns / 1e9) | 0;
  const frac = ns - whole * 1e9;
  if (frac === 0) return `${whole}`;
  // 1e9 + frac has ten digits and fits a small integer; its last nine are frac zero-padded.
  const digits = `${1e9 + frac}`;
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 0x30) end--;
  return `${whole}.${digits.slice(1, end)}`;
}
