// The query log's hand-over between the main thread and the query-log worker: a ring of fixed-size
// records in shared memory. The main thread writes a logged query's numbers and raw bytes (no
// strings made, no lookups, no allocation) and moves `head`; the worker turns each record back
// into a LogEntry (names from the same tables, the name from the same question reader the server
// used) and moves `tail` once the lines are written. Counters are int32 and wrap; a slot is
// `counter & MASK`.

import { rcodeName, typeName } from '../../dns/constants.js';
import { readQuestion } from '../../dns/query-reader.js';
import type { Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import { responseSize } from '../../ops/dns-metrics.js';
import { bufsizeOf, className, opcodeName, responseFlags, type LogEntry } from './entry.js';

/** Records in the ring: a tenth of a second of queries at 40k qps. */
export const SLOTS = 4096;
const MASK = SLOTS - 1;
const SLOT = 384;

// Record layout (little endian).
const TIME = 0; // f64 ms since the epoch
const DURATION = 8; // f64 ns
const PORT = 16; // u16
const FORMAT = 18; // u16 format index
const SIZE = 20; // u16 request size
const RCODE = 22; // u16
const RSIZE = 24; // u32
const UDP_SIZE = 28; // u16 EDNS buffer size
const REQUEST_FLAGS = 30; // u16
const REPLY_FLAGS = 32; // u16
const ID = 34; // u16
const BITS = 36; // u8
const REMOTE_LEN = 37; // u8
const QUESTION_LEN = 38; // u16
/**
 * Then the address (latin1) and, right after it, the question's wire bytes: packed, a typical
 * record is two cache lines, and each line the query path writes is one the worker has to fetch
 * from the other core and hand back.
 */
const REMOTE = 40;
/** Room for an address: IPv6 text (45) with a zone ("%eth0"); longer ones are cut. */
const REMOTE_ROOM = 64;
/** A question is at most 259 bytes (a 255-byte name, type and class): it always fits. */
const QUESTION_ROOM = SLOT - REMOTE - REMOTE_ROOM;

const TCP = 1;
const EDNS = 2;
const DO = 4;

// Control words.
export const HEAD = 0;
export const TAIL = 1;
/** Set to 1 by the main thread: write what is left and end. */
export const STOP = 2;
/** Never changes; the main thread notifies on it to wake the worker. */
export const BELL = 3;
const CONTROL_WORDS = 4;

/** The shared memory of a ring, as handed to the worker. */
export interface RingMemory {
  readonly records: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
}

export function ringMemory(): RingMemory {
  return { records: new SharedArrayBuffer(SLOTS * SLOT), control: new SharedArrayBuffer(CONTROL_WORDS * 4) };
}

/** The main thread's end: puts records. */
export class RingWriter {
  readonly control: Int32Array;
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  #head: number;
  /** The tail as last read: the worker only moves it forward, so space seen is really there. */
  #tail: number;

  /** Starts where the control words say (a new ring: 0). */
  constructor(memory: RingMemory) {
    this.control = new Int32Array(memory.control);
    this.#view = new DataView(memory.records);
    this.#bytes = new Uint8Array(memory.records);
    this.#head = Atomics.load(this.control, HEAD);
    this.#tail = Atomics.load(this.control, TAIL);
  }

  get capacity(): number {
    return SLOTS;
  }

  /** Records written and not yet taken (the worker's lines for them not yet written). */
  get backlog(): number {
    return (this.#head - Atomics.load(this.control, TAIL)) | 0;
  }

  /**
   * Puts one logged query; false when the ring is full (nothing is written). Every 256 records the
   * worker is woken (it also wakes by itself FLUSH_AFTER_MS after it last slept).
   */
  put(req: Request, reply: Reply, durationNs: number, format: number, timeMs: number): boolean {
    const h = this.#head;
    if (((h - this.#tail) | 0) >= SLOTS) {
      this.#tail = Atomics.load(this.control, TAIL);
      if (((h - this.#tail) | 0) >= SLOTS) return false;
    }
    const o = (h & MASK) * SLOT;
    const v = this.#view;
    const u = this.#bytes;
    const edns = req.edns;
    v.setFloat64(o + TIME, timeMs, true);
    v.setFloat64(o + DURATION, durationNs, true);
    v.setUint16(o + PORT, req.remotePort, true);
    v.setUint16(o + FORMAT, format, true);
    v.setUint16(o + SIZE, req.raw.length, true);
    v.setUint16(o + RCODE, reply.rcode, true);
    v.setUint32(o + RSIZE, responseSize(req, reply), true);
    v.setUint16(o + UDP_SIZE, edns === null ? 0 : edns.udpSize, true);
    v.setUint16(o + REQUEST_FLAGS, req.flags, true);
    v.setUint16(o + REPLY_FLAGS, reply.flags, true);
    v.setUint16(o + ID, req.id, true);
    u[o + BITS] = (req.proto === 'tcp' ? TCP : 0) | (edns === null ? 0 : edns.do ? EDNS | DO : EDNS);
    const remote = req.remoteAddress;
    const n = remote.length < REMOTE_ROOM ? remote.length : REMOTE_ROOM;
    for (let i = 0; i < n; i++) u[o + REMOTE + i] = remote.charCodeAt(i);
    u[o + REMOTE_LEN] = n;
    const q = req.questionWire;
    const qn = q.length < QUESTION_ROOM ? q.length : QUESTION_ROOM;
    v.setUint16(o + QUESTION_LEN, qn, true);
    // One native copy: a byte loop into shared memory cost twice as many instructions.
    u.set(qn === q.length ? q : q.subarray(0, qn), o + REMOTE + n);
    const next = (h + 1) | 0;
    this.#head = next;
    Atomics.store(this.control, HEAD, next);
    if ((next & 255) === 0) Atomics.notify(this.control, BELL);
    return true;
  }
}

/** The worker's end: reads records into entries. */
export class RingReader {
  readonly control: Int32Array;
  readonly #view: DataView;
  readonly #bytes: Buffer;
  /** 12 bytes of room, then the question: where the question reader looks for it. */
  readonly #question = Buffer.alloc(12 + QUESTION_ROOM);

  constructor(memory: RingMemory) {
    this.control = new Int32Array(memory.control);
    this.#view = new DataView(memory.records);
    this.#bytes = Buffer.from(memory.records);
  }

  /** Fills `e` from the record at counter `at`; returns its format index. Its time is `timeOf(at)`. */
  read(at: number, e: LogEntry): number {
    const o = (at & MASK) * SLOT;
    const v = this.#view;
    const u = this.#bytes;
    const bits = u[o + BITS]!;
    const requestFlags = v.getUint16(o + REQUEST_FLAGS, true);
    const remoteLength = u[o + REMOTE_LEN]!;
    const qn = v.getUint16(o + QUESTION_LEN, true);
    const question = o + REMOTE + remoteLength;
    u.copy(this.#question, 12, question, question + qn);
    const q = readQuestion(this.#question.subarray(0, 12 + qn));
    e.remote = u.toString('latin1', o + REMOTE, question);
    e.port = v.getUint16(o + PORT, true);
    e.id = v.getUint16(o + ID, true);
    // The server read this question before it was logged, so it parses; "." is the fallback.
    e.type = typeName(q?.question.type ?? 0);
    e.class = className(q?.question.class ?? 0);
    e.name = q?.question.lname ?? '.';
    e.proto = bits & TCP ? 'tcp' : 'udp';
    e.size = v.getUint16(o + SIZE, true);
    e.do = (bits & DO) !== 0;
    e.bufsize = bufsizeOf((bits & TCP) !== 0, bits & EDNS ? v.getUint16(o + UDP_SIZE, true) : null);
    e.rcode = rcodeName(v.getUint16(o + RCODE, true));
    e.rflags = responseFlags(requestFlags, v.getUint16(o + REPLY_FLAGS, true));
    e.rsize = v.getUint32(o + RSIZE, true);
    e.durationNs = v.getFloat64(o + DURATION, true);
    e.opcode = opcodeName(requestFlags);
    return v.getUint16(o + FORMAT, true);
  }

  timeOf(at: number): number {
    return this.#view.getFloat64((at & MASK) * SLOT + TIME, true);
  }
}
