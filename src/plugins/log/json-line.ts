// The query log's JSON line, written by hand. It is what `logger.info(fields, msg)` writes
// (level, time, the logger's bindings, the entry's fields, msg, in that order), but pino's generic
// serializer walks and checks every key of every object and would escape the rendered msg a second
// time. Here the field list is fixed and a line is written as bytes (line-bytes.ts): the head
// (made once per millisecond), the four values that change with every query (remote, port, id,
// duration), and the text that depends only on the question and answer (made once per distinct
// question, stable-text.ts).
//
// Lines are made a batch at a time (by the query-log worker, or on the main thread when there is
// none): made one after another, they find their code and cached pieces warm, where a line made
// between two datagrams found them cold (in two A/B runs on the wire, the extra CPU of a logged
// query went from 6.5-6.7 to 4.2-6.1 us when lines were still made on the main thread).

import { emptyLogEntry, type LogEntry } from './entry.js';
import { writeFormat, type CompiledFormat } from './format.js';
import { LineBytes } from './line-bytes.js';
import type { LineSink } from './line-sink.js';
import { StableTextCache } from './stable-text.js';

const INFO = 30;
/** Lines per batch. */
const BATCH = 256;
/**
 * How long a line may wait for company: a write per line (or per event-loop turn, a few lines on
 * a busy server) cost a fifth of the query log's CPU. A line is never later than this, and every
 * pending line is written at stop.
 */
export const FLUSH_AFTER_MS = 50;

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const PORT = utf8('","port":');
const ID = utf8(',"id":');
const END = utf8('"}\n');

/**
 * A batch of query-log lines: entries filled in place, made into lines and written out together
 * by `flush`. Used on the main thread (QueryLogWriter) and in the query-log worker.
 */
export class QueryLogLines {
  readonly #sink: LineSink;
  /** `,"key":value` for each binding of the logger (base fields and child bindings). */
  readonly #bindings: string;
  readonly #out = new LineBytes();
  /** The batch: entries filled in place, each line's format and time (ms since the epoch). */
  readonly #entries: LogEntry[] = Array.from({ length: BATCH }, emptyLogEntry);
  readonly #formats: CompiledFormat[] = new Array<CompiledFormat>(BATCH);
  readonly #times = new Float64Array(BATCH);
  #count = 0;

  constructor(sink: LineSink, bindings: string) {
    this.#sink = sink;
    this.#bindings = bindings;
  }

  /** Lines waiting for `flush`. */
  get pending(): number {
    return this.#count;
  }

  /** The entry to fill for the next line; it is the batch's, and is used once `commit` is called. */
  next(): LogEntry {
    return this.#entries[this.#count]!;
  }

  /** Adds the line of the entry `next()` gave, filled in, with `format` as its msg; a full batch is written. */
  commit(format: CompiledFormat, timeMs: number): void {
    const i = this.#count;
    this.#formats[i] = format;
    this.#times[i] = timeMs;
    this.#count = i + 1;
    if (this.#count === BATCH) this.flush();
  }

  /** Makes and writes the lines pending now. */
  flush(): void {
    const n = this.#count;
    if (n === 0) return;
    this.#count = 0;
    for (let i = 0; i < n; i++) this.#line(this.#entries[i]!, this.#formats[i]!, this.#times[i]!);
    this.#sink.write(this.#out.take());
  }

  #timeMs = -1;
  #head: Uint8Array = new Uint8Array(0);

  /** `{"level":30,"time":T,<bindings>,"remote":"`, made once per millisecond. */
  #lineHead(ms: number): Uint8Array {
    if (ms !== this.#timeMs) {
      this.#timeMs = ms;
      this.#head = utf8(`{"level":${INFO},"time":${ms}${this.#bindings},"remote":"`);
    }
    return this.#head;
  }

  /**
   * The line for `e` with `format` filled in as msg. The entry's address is an IP address (ASCII);
   * its other strings are the name (escaped where its stable text is made) and values from fixed
   * tables (type, class, rcode, flags, opcode, proto), which never need JSON escaping.
   */
  #line(e: LogEntry, format: CompiledFormat, ms: number): void {
    const stable = this.#stableFor(format).get(e);
    const head = this.#lineHead(ms);
    const out = this.#out;
    out.reserve(head.length + stable.size + format.varyingRoom);
    out.bytes(head);
    out.ascii(e.remote);
    out.bytes(PORT);
    out.uint(e.port);
    out.bytes(ID);
    out.uint(e.id);
    out.bytes(stable.json);
    out.seconds(e.durationNs);
    out.bytes(stable.opcode);
    writeFormat(out, format, stable.runs, e);
    out.bytes(END);
  }

  readonly #stable = new Map<CompiledFormat, StableTextCache>();

  #stableFor(format: CompiledFormat): StableTextCache {
    let cache = this.#stable.get(format);
    if (cache === undefined) this.#stable.set(format, (cache = new StableTextCache(format)));
    return cache;
  }
}
