// The parts of a query-log line that depend only on the question and its answer (the JSON fields
// from "type" to "rsize", the opcode, and the format's stable runs), made once per distinct
// question and answer and reused while the same ones keep coming, as they do on a busy server.
// Keyed by name; an entry is reused only when every field it was made from is the same.

import type { LogEntry } from './entry.js';
import { runText, type CompiledFormat } from './format.js';
import { jsonText } from './text.js';

export interface StableText {
  /** `,"type":"A",...,"rsize":86,"duration":` */
  readonly json: string;
  /** `,"opcode":"QUERY","msg":"` */
  readonly opcode: string;
  /** The format's stable runs, in order. */
  readonly runs: readonly string[];
}

interface Entry extends StableText {
  readonly source: Readonly<Omit<LogEntry, 'remote' | 'port' | 'id' | 'durationNs' | 'name'>>;
}

/** Enough for the names a server answers repeatedly; past it, the cache starts over. */
const MAX_NAMES = 4096;

function sameSource(a: Entry['source'], e: LogEntry): boolean {
  return (
    a.type === e.type && a.class === e.class && a.proto === e.proto && a.size === e.size && a.do === e.do && a.bufsize === e.bufsize &&
    a.rcode === e.rcode && a.rflags === e.rflags && a.rsize === e.rsize && a.opcode === e.opcode
  );
}

export class StableTextCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly format: CompiledFormat) {}

  get(e: LogEntry): StableText {
    const hit = this.#entries.get(e.name);
    if (hit !== undefined && sameSource(hit.source, e)) return hit;
    const made = this.#make(e);
    if (this.#entries.size >= MAX_NAMES && hit === undefined) this.#entries.clear();
    this.#entries.set(e.name, made);
    return made;
  }

  #make(e: LogEntry): Entry {
    const name = jsonText(e.name);
    return {
      source: { type: e.type, class: e.class, proto: e.proto, size: e.size, do: e.do, bufsize: e.bufsize, rcode: e.rcode, rflags: e.rflags, rsize: e.rsize, opcode: e.opcode },
      json:
        `,"type":"${e.type}","class":"${e.class}","name":"${name}","proto":"${e.proto}","size":${e.size},"do":${e.do}` +
        `,"bufsize":${e.bufsize},"rcode":"${e.rcode}","rflags":"${e.rflags}","rsize":${e.rsize},"duration":`,
      opcode: `,"opcode":"${e.opcode}","msg":"`,
      runs: this.format.runs.map((run) => runText(run, e, name)),
    };
  }
}
