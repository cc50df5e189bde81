// Domain names on the wire: skipping, reading (with compression, loop-safe), and the text form
// CoreDNS uses (dotted, trailing dot, `\.` and `\DDD` escapes for bytes that are not plain).

export class WireError extends Error {
  override name = 'WireError';
}

const MAX_NAME = 255;

/** Offset after the name at `p` (a pointer ends the name). Throws on truncation or a bad label. */
export function skipName(buf: Uint8Array, p: number): number {
  for (let guard = 0; guard < 128; guard++) {
    if (p >= buf.length) throw new WireError('name truncated');
    const len = buf[p]!;
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) {
      if (p + 2 > buf.length) throw new WireError('pointer truncated');
      return p + 2;
    }
    if ((len & 0xc0) !== 0) throw new WireError('bad label type');
    p += 1 + len;
  }
  throw new WireError('too many labels');
}

/** Reads the name at `p` following compression pointers (each must point strictly backwards). */
export function readName(buf: Uint8Array, p: number): { name: string; end: number } {
  let out = '';
  let end = -1;
  let total = 0;
  let lowest = p;
  for (let guard = 0; guard < 256; guard++) {
    if (p >= buf.length) throw new WireError('name truncated');
    const len = buf[p]!;
    if (len === 0) {
      if (end < 0) end = p + 1;
      return { name: out === '' ? '.' : out, end };
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 2 > buf.length) throw new WireError('pointer truncated');
      const target = ((len & 0x3f) << 8) | buf[p + 1]!;
      if (end < 0) end = p + 2;
      if (target >= lowest) throw new WireError('compression pointer loop');
      lowest = target;
      p = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new WireError('bad label type');
    if (p + 1 + len > buf.length) throw new WireError('label truncated');
    total += len + 1;
    if (total + 1 > MAX_NAME) throw new WireError('name too long');
    out += labelText(buf, p + 1, len) + '.';
    p += 1 + len;
  }
  throw new WireError('too many labels');
}

/** Text of one label with CoreDNS's escaping. */
export function labelText(buf: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start; i < start + len; i++) {
    const c = buf[i]!;
    if (c === 0x2e || c === 0x5c || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x20 || c === 0x22 || c === 0x40 || c === 0x24) {
      s += '\\' + String.fromCharCode(c);
    } else if (c < 0x21 || c > 0x7e) {
      s += '\\' + String(c).padStart(3, '0');
    } else {
      s += String.fromCharCode(c);
    }
  }
  return s;
}

/** ASCII-only lower-casing, as DNS name comparison is defined. */
export function lowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** Encodes a dotted name (trailing dot optional, `\.`/`\DDD` escapes honoured) as wire labels. */
export function encodeName(name: string): Uint8Array {
  const labels = splitLabels(name);
  let size = 1;
  for (const l of labels) size += 1 + l.length;
  if (size > MAX_NAME) throw new WireError(`name too long: ${name}`);
  const out = new Uint8Array(size);
  let p = 0;
  for (const l of labels) {
    if (l.length === 0 || l.length > 63) throw new WireError(`bad label in ${name}`);
    out[p++] = l.length;
    out.set(l, p);
    p += l.length;
  }
  out[p] = 0;
  return out;
}

/** Splits a dotted name into label byte arrays, honouring escapes. "." gives []. */
export function splitLabels(name: string): Uint8Array[] {
  if (name === '.' || name === '') return [];
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch === 0x5c && i + 1 < name.length) {
      const d = name.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(d)) {
        cur.push(Number(d) & 0xff);
        i += 3;
      } else {
        cur.push(name.charCodeAt(i + 1) & 0xff);
        i += 1;
      }
    } else if (ch === 0x2e) {
      labels.push(Uint8Array.from(cur));
      cur = [];
    } else {
      cur.push(ch & 0xff);
    }
  }
  if (cur.length > 0) labels.push(Uint8Array.from(cur));
  return labels;
}
