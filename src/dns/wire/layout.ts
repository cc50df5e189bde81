// Finds the record boundaries of an encoded message without decoding the records, so that the
// writer can truncate at record boundaries and plugins (cache, loadbalance) can patch TTLs or
// reorder records in place. Malformed input throws WireError.

import { HEADER_SIZE, QType } from '../constants.js';
import { WireError, skipName } from './names.js';

export interface MessageLayout {
  /** Offset just after the (single) question. */
  readonly questionEnd: number;
  /** Records in answer, authority, additional, not counting OPT. */
  readonly counts: readonly [number, number, number];
  /** Pairs [start, end) of every record except OPT, in message order. */
  readonly records: Uint32Array;
  /** Offset of the OPT record's start, when the message had one. */
  readonly optStart?: number;
}

/** Offsets inside one record, given its start. */
export interface RecordInfo {
  readonly type: number;
  readonly class: number;
  /** Offset of the 4-byte TTL. */
  readonly ttlAt: number;
  readonly rdataStart: number;
  readonly end: number;
}

export function recordAt(buf: Uint8Array, start: number): RecordInfo {
  const p = skipName(buf, start);
  if (p + 10 > buf.length) throw new WireError('record header truncated');
  const type = (buf[p]! << 8) | buf[p + 1]!;
  const klass = (buf[p + 2]! << 8) | buf[p + 3]!;
  const rdlen = (buf[p + 8]! << 8) | buf[p + 9]!;
  const end = p + 10 + rdlen;
  if (end > buf.length) throw new WireError('rdata truncated');
  return { type, class: klass, ttlAt: p + 4, rdataStart: p + 10, end };
}

export function walkMessage(buf: Uint8Array): MessageLayout {
  if (buf.length < HEADER_SIZE) throw new WireError('short header');
  const qd = (buf[4]! << 8) | buf[5]!;
  const sections = [(buf[6]! << 8) | buf[7]!, (buf[8]! << 8) | buf[9]!, (buf[10]! << 8) | buf[11]!];
  let p = HEADER_SIZE;
  for (let i = 0; i < qd; i++) {
    p = skipName(buf, p) + 4;
    if (p > buf.length) throw new WireError('question truncated');
  }
  const questionEnd = p;
  const total = sections[0]! + sections[1]! + sections[2]!;
  // A lying count cannot make us allocate more than the buffer could hold (11 bytes per record min).
  if (total * 11 > buf.length - p) throw new WireError('record counts exceed message size');
  const records = new Uint32Array(total * 2);
  const counts: [number, number, number] = [0, 0, 0];
  let n = 0;
  let optStart: number | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < sections[s]!; i++) {
      const rec = recordAt(buf, p);
      if (rec.type === QType.OPT && s === 2) {
        optStart = p;
      } else {
        records[n * 2] = p;
        records[n * 2 + 1] = rec.end;
        n++;
        counts[s]!++;
      }
      p = rec.end;
    }
  }
  const layout: MessageLayout = {
    questionEnd,
    counts,
    records: n * 2 === records.length ? records : records.slice(0, n * 2),
    ...(optStart === undefined ? {} : { optStart }),
  };
  return layout;
}
