// The bytes of a batch of query-log lines, written in place into one reused buffer. A line is a
// few long pre-encoded pieces (copied with one native call each) and a few short values written
// here byte by byte (an address, port, id and duration): no strings are made per query, and the
// batch needs no flattening or re-encoding when it is written out.
//
// Callers reserve room for a whole line first; the writes themselves do not check.

export class LineBytes {
  #buf: Buffer;
  #len = 0;

  constructor(capacity = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.#len;
  }

  /** The bytes written so far (a view, valid until the next write), then empty. */
  take(): Buffer {
    const out = this.#buf.subarray(0, this.#len);
    this.#len = 0;
    return out;
  }

  /** Room for `n` more bytes; the buffer grows and keeps what was written. */
  reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(bigger, 0, 0, this.#len);
    this.#buf = bigger;
  }

  bytes(b: Uint8Array): void {
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  byte(c: number): void {
    this.#buf[this.#len++] = c;
  }

  /** An ASCII string (an IP address): one byte per character. */
  ascii(s: string): void {
    const buf = this.#buf;
    let at = this.#len;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.#len = at;
  }

  /** A non-negative integer below 2^31 in decimal (a port, an id, a second count). */
  uint(n: number): void {
    const digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : n < 100_000 ? 5 : n < 1_000_000 ? 6 : n < 10_000_000 ? 7 : n < 100_000_000 ? 8 : n < 1_000_000_000 ? 9 : 10;
    const buf = this.#buf;
    let at = this.#len + digits;
    this.#len = at;
    let v = n | 0;
    do {
      const q = (v / 10) | 0;
      buf[--at] = 0x30 + v - q * 10;
      v = q;
    } while (v !== 0);
  }

  /**
   * Whole nanoseconds as seconds, the way Go's strconv.FormatFloat(s, 'f', -1, 64) prints them
   * (CoreDNS's {duration}): "0.000123456", "2", "0.0000005"; never an exponent.
   */
  seconds(ns: number): void {
    const whole = Math.floor(ns / 1e9);
    if (whole >= 2 ** 31) {
      this.ascii((ns / 1e9).toFixed(9).replace(/\.?0+$/, ''));
      return;
    }
    let frac = ns - whole * 1e9;
    this.uint(whole);
    if (frac === 0) return;
    let width = 9;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    const buf = this.#buf;
    buf[this.#len++] = 0x2e;
    let at = this.#len + width;
    this.#len = at;
    for (let i = 0; i < width; i++) {
      const q = (frac / 10) | 0;
      buf[--at] = 0x30 + frac - q * 10;
      frac = q;
    }
  }
}
