// The query log's JSON line, written straight to the logger's destination. It is byte for byte
// what `logger.info(entry, msg)` writes (level, time, the logger's bindings, the entry's fields,
// msg), but pino's generic serializer walks and checks every key of every object, which cost
// about ten times more than the query itself; here the field list is fixed, so the line is one
// string concatenation with escaping only where a value may need it.

import { pino, type Logger } from 'pino';
import type { LogEntry } from './entry.js';

const INFO = 30;
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

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

  write(e: LogEntry, msg: string): void {
    this.#pending +=
      `{"level":${INFO},"time":${Date.now()}${this.#bindings}` +
        `,"remote":${jsonString(e.remote)},"port":${e.port},"id":${e.id},"type":${jsonString(e.type)},"class":${jsonString(e.class)}` +
        `,"name":${jsonString(e.name)},"proto":${jsonString(e.proto)},"size":${e.size},"do":${e.do},"bufsize":${e.bufsize}` +
        `,"rcode":${jsonString(e.rcode)},"rflags":${jsonString(e.rflags)},"rsize":${e.rsize},"duration":${e.duration}` +
        `,"opcode":${jsonString(e.opcode)},"msg":${JSON.stringify(msg)}}\n`;
    if (this.#pending.length >= 16_384) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
  }
}
