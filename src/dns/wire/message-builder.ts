// Encodes a message with name compression, for answers built once per snapshot (the zone) and for
// rare error paths. A record whose owner is the question name is written as a pointer to offset 12,
// so the same bytes serve a client that asked in any letter case.

import { HEADER_SIZE, QType } from '../constants.js';
import type { RR } from './rr.js';
import type { MessageLayout } from './layout.js';
import { WireError, splitLabels } from './names.js';

export type Section = 0 | 1 | 2;

export interface Encoded {
  readonly wire: Uint8Array;
  readonly layout: MessageLayout;
}

export interface BuilderOptions {
  /**
   * Off for records that are copied into other messages without their question (negative-answer
   * templates): a pointer would then aim at the wrong bytes.
   */
  readonly compress?: boolean;
}

export class MessageBuilder {
  readonly #compress: boolean;
  #buf = Buffer.alloc(512);
  #len = HEADER_SIZE;
  #names = new Map<string, number>();
  #records: number[] = [];
  #counts: [number, number, number] = [0, 0, 0];
  #questionEnd = HEADER_SIZE;
  #questionName: string | null = null;
  #lastSection: Section = 0;

  constructor(options: BuilderOptions = {}) {
    this.#compress = options.compress ?? true;
  }

  /** Writes the question (name as given; its lower-cased form is also what owners match). */
  question(name: string, type: number, klass = 1): this {
    if (this.#len !== HEADER_SIZE) throw new Error('question must come first');
    this.#writeName(name, false);
    this.#u16(type);
    this.#u16(klass);
    this.#questionEnd = this.#len;
    this.#questionName = lower(name);
    this.#buf[5] = 1;
    return this;
  }

  add(section: Section, rr: RR): this {
    if (section < this.#lastSection) throw new Error('records must be added in section order');
    this.#lastSection = section;
    const start = this.#len;
    if (this.#questionName !== null && lower(rr.name) === this.#questionName) {
      this.#u16(0xc000 | HEADER_SIZE);
    } else {
      this.#writeName(rr.name, true);
    }
    this.#u16(rr.type);
    this.#u16(1);
    this.#u32(rr.ttl);
    const rdlenAt = this.#len;
    this.#u16(0);
    this.#rdata(rr);
    const rdlen = this.#len - rdlenAt - 2;
    this.#buf.writeUInt16BE(rdlen, rdlenAt);
    this.#records.push(start, this.#len);
    this.#counts[section]++;
    return this;
  }

  addAll(section: Section, rrs: readonly RR[]): this {
    for (const rr of rrs) this.add(section, rr);
    return this;
  }

  finish(): Encoded {
    const b = this.#buf;
    for (let s = 0; s < 3; s++) b.writeUInt16BE(this.#counts[s]!, 6 + s * 2);
    const wire = Uint8Array.prototype.slice.call(b, 0, this.#len);
    return {
      wire,
      layout: Object.freeze({
        questionEnd: this.#questionEnd,
        counts: [this.#counts[0], this.#counts[1], this.#counts[2]] as const,
        records: Uint32Array.from(this.#records),
      }),
    };
  }

  #rdata(rr: RR): void {
    switch (rr.type) {
      case QType.A: {
        const parts = rr.address.split('.');
        if (parts.length !== 4) throw new WireError(`bad IPv4 ${rr.address}`);
        for (const p of parts) this.#u8(Number(p));
        return;
      }
      case QType.AAAA:
        this.#bytes(ipv6Bytes(rr.address));
        return;
      case QType.SRV:
        this.#u16(rr.priority);
        this.#u16(rr.weight);
        this.#u16(rr.port);
        this.#writeName(rr.target, false); // RFC 2782: no compression of the SRV target
        return;
      case QType.NS:
      case QType.PTR:
        this.#writeName(rr.target, true);
        return;
      case QType.TXT:
        for (const t of rr.texts) this.#characterString(t);
        return;
      case QType.HINFO:
        this.#characterString(rr.cpu);
        this.#characterString(rr.os);
        return;
      case QType.SOA:
        this.#writeName(rr.mname, true);
        this.#writeName(rr.rname, true);
        this.#u32(rr.serial);
        this.#u32(rr.refresh);
        this.#u32(rr.retry);
        this.#u32(rr.expire);
        this.#u32(rr.minimum);
        return;
    }
  }

  #characterString(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 255) throw new WireError('character-string longer than 255 bytes');
    this.#u8(bytes.length);
    this.#bytes(bytes);
  }

  #writeName(name: string, compress: boolean): void {
    const labels = splitLabels(name);
    const lowered = labels.map((l) => Buffer.from(l).toString('latin1').toLowerCase());
    for (let i = 0; i < labels.length; i++) {
      const suffix = lowered.slice(i).join('.');
      const at = compress && this.#compress ? this.#names.get(suffix) : undefined;
      if (at !== undefined) {
        this.#u16(0xc000 | at);
        return;
      }
      if (this.#len < 0x3fff && !this.#names.has(suffix)) this.#names.set(suffix, this.#len);
      const l = labels[i]!;
      if (l.length > 63) throw new WireError(`label too long in ${name}`);
      this.#u8(l.length);
      this.#bytes(l);
    }
    this.#u8(0);
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    if (this.#len + n > 65535) throw new WireError('message exceeds 65535 bytes');
    const next = Buffer.alloc(Math.min(65535, Math.max(this.#buf.length * 2, this.#len + n)));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }
  #u8(v: number): void {
    this.#ensure(1);
    this.#buf[this.#len++] = v & 0xff;
  }
  #u16(v: number): void {
    this.#ensure(2);
    this.#buf.writeUInt16BE(v & 0xffff, this.#len);
    this.#len += 2;
  }
  #u32(v: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32BE(v >>> 0, this.#len);
    this.#len += 4;
  }
  #bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }
}

function lower(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n : n + '.';
}

/** 16 bytes of an IPv6 address in text form (with optional embedded IPv4 tail). */
export function ipv6Bytes(text: string): Uint8Array {
  let s = text;
  const out = new Uint8Array(16);
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined ? [] : rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...r];
  if (groups.length !== 8) throw new WireError(`bad IPv6 ${text}`);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    if (!/^[0-9a-fA-F]{1,4}$/.test(g) || Number.isNaN(v)) throw new WireError(`bad IPv6 ${text}`);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}
