// The query log's JSON line, written by hand. It is what `logger.info(fields, msg)` writes
// (level, time, the logger's bindings, the entry's fields, msg, in that order), but pino's generic
// serializer walks and checks every key of every object and would escape the rendered msg a second
// time. Here the field list is fixed and a line is written as bytes (line-bytes.ts): the head
// (made once per millisecond), the four values that change with every query (remote, port, id,
// duration), and the text that depends only on the question and answer (made once per distinct
// question, stable-text.ts). Lines are written out together, at most FLUSH_AFTER_MS after the
// first of a batch.

import { pino, type Logger } from 'pino';
import type { LogEntry } from './entry.js';
import { varyingRoom, writeFormat, type CompiledFormat } from './format.js';
import { LineBytes } from './line-bytes.js';
import { lineSinkFor, type Destination, type LineSink } from './line-sink.js';
import { StableTextCache } from './stable-text.js';

const INFO = 30;
const FLUSH_AT = 32 * 1024;
/**
 * How long a line may wait for company. On a busy server one event-loop turn holds only a few
 * queries, and a write per turn cost a fifth of the query log's CPU; a line is never later than
 * this (and every pending line is written at stop).
 */
export const FLUSH_AFTER_MS = 50;

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const PORT = utf8('","port":');
const ID = utf8(',"id":');
const END = utf8('"}\n');

export class QueryLogWriter {
  readonly #logger: Logger;
  readonly #sink: LineSink;
  /** `,"key":value` for each binding of the logger (base fields and child bindings). */
  readonly #bindings: string;
  readonly #out = new LineBytes();

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#sink = lineSinkFor((logger as unknown as Record<symbol, Destination>)[pino.symbols.streamSym]!);
    let bindings = '';
    for (const [k, v] of Object.entries(logger.bindings())) bindings += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
    this.#bindings = bindings;
  }

  /** False when the logger's level leaves info lines out (then nothing need be computed). */
  get enabled(): boolean {
    return this.#logger.isLevelEnabled('info');
  }

  #scheduled = false;
  readonly #flushSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** Writes what is pending now (when the batch is due, when it grows large, at stop). */
  flush(): void {
    if (this.#out.length === 0) return;
    this.#sink.write(this.#out.take());
  }

  #timeMs = -1;
  #head: Uint8Array = new Uint8Array(0);

  /** `{"level":30,"time":T,<bindings>,"remote":"`, made once per millisecond. */
  #lineHead(): Uint8Array {
    const now = Date.now();
    if (now !== this.#timeMs) {
      this.#timeMs = now;
      this.#head = utf8(`{"level":${INFO},"time":${now}${this.#bindings},"remote":"`);
    }
    return this.#head;
  }

  /**
   * One line for `e` with `format` filled in as msg. The entry's address is an IP address (ASCII);
   * its other strings are the name (escaped where its stable text is made) and values from fixed
   * tables (type, class, rcode, flags, opcode, proto), which never need JSON escaping.
   */
  write(e: LogEntry, format: CompiledFormat): void {
    const stable = this.#stableFor(format).get(e);
    const head = this.#lineHead();
    const out = this.#out;
    out.reserve(head.length + stable.size + varyingRoom(format));
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
    if (out.length >= FLUSH_AT) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(this.#flushSoon, FLUSH_AFTER_MS).unref();
    }
  }

  readonly #stable = new Map<CompiledFormat, StableTextCache>();

  #stableFor(format: CompiledFormat): StableTextCache {
    let cache = this.#stable.get(format);
    if (cache === undefined) this.#stable.set(format, (cache = new StableTextCache(format)));
    return cache;
  }
}
