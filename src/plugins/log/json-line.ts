// The query log's JSON line, written by hand. It is what `logger.info(fields, msg)` writes
// (level, time, the logger's bindings, the entry's fields, msg, in that order), but pino's generic
// serializer walks and checks every key of every object and would escape the rendered msg a second
// time; here the field list is fixed, only the name can need escaping, and the line is one
// template string. Lines are written together at the end of each event-loop turn.

import { pino, type Logger } from 'pino';
import type { LogEntry } from './entry.js';
import { formatText, type CompiledFormat } from './format.js';
import { jsonText, secondsText } from './text.js';

const INFO = 30;
const FLUSH_AT = 16_384;

interface Destination {
  write(line: string): unknown;
}

export class QueryLogWriter {
  readonly #logger: Logger;
  readonly #destination: Destination;
  /** `,"key":value` for each binding of the logger (base fields and child bindings). */
  readonly #bindings: string;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#destination = (logger as unknown as Record<symbol, Destination>)[pino.symbols.streamSym]!;
    let bindings = '';
    for (const [k, v] of Object.entries(logger.bindings())) bindings += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
    this.#bindings = bindings;
  }

  /** False when the logger's level leaves info lines out (then nothing need be computed). */
  get enabled(): boolean {
    return this.#logger.isLevelEnabled('info');
  }

  /** Lines written since the last flush; one write per event-loop turn instead of one per query. */
  #pending = '';
  #scheduled = false;
  readonly #flushSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** Writes what is pending now (at the end of a loop turn, when it grows large, at stop). */
  flush(): void {
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    this.#destination.write(text);
  }

  /**
   * One line for `e` with `format` filled in as msg. The entry's strings other than the name come
   * from the request's address and fixed tables (type, class, rcode, flags, opcode, proto), which
   * never need JSON escaping.
   */
  write(e: LogEntry, format: CompiledFormat): void {
    const name = jsonText(e.name);
    const seconds = secondsText(e.durationNs);
    this.#pending +=
      `{"level":${INFO},"time":${Date.now()}${this.#bindings},"remote":"${e.remote}","port":${e.port},"id":${e.id}` +
      `,"type":"${e.type}","class":"${e.class}","name":"${name}","proto":"${e.proto}","size":${e.size},"do":${e.do}` +
      `,"bufsize":${e.bufsize},"rcode":"${e.rcode}","rflags":"${e.rflags}","rsize":${e.rsize},"duration":${seconds}` +
      `,"opcode":"${e.opcode}","msg":"${formatText(format, e, name, seconds)}"}\n`;
    if (this.#pending.length >= FLUSH_AT) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
  }
}
