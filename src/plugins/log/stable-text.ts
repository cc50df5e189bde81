// The parts of a query-log line that depend only on the question and its answer (the JSON fields
// from "type" to "rsize", the opcode, and the format's stable runs), made once per distinct
// question and answer and reused while the same ones keep coming, as they do on a busy server.
// Keyed by name, with a few variants per name (types, transports); a variant is reused only when
// every field it was made from is the same.

import type { LogEntry } from './entry.js';
import { runText, type CompiledFormat } from './format.js';
import { jsonText } from './text.js';

/** UTF-8 bytes, ready to be copied into a line. */
export interface StableText {
  /** `,"type":"A",...,"rsize":86,"duration":` */
  readonly json: Uint8Array;
  /** `,"opcode":"QUERY","msg":"` */
  readonly opcode: Uint8Array;
  /** The format's stable runs, in order. */
  readonly runs: readonly Uint8Array[];
  /** All of the above together. */
  readonly size: number;
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

/** Variants kept per name: a name is asked for A, AAAA, SRV, over UDP and TCP, with and without DO. */
const VARIANTS_PER_NAME = 8;

export class StableTextCache {
  /** Per name, its most recent variants, newest last. */
  readonly #entries = new Map<string, Entry[]>();

  constructor(private readonly format: CompiledFormat) {}

  get(e: LogEntry): StableText {
    let variants = this.#entries.get(e.name);
    if (variants !== undefined) {
      for (let i = variants.length - 1; i >= 0; i--) {
        const v = variants[i]!;
        if (sameSource(v.source, e)) return v;
      }
    } else {
      if (this.#entries.size >= MAX_NAMES) this.#entries.clear();
      this.#entries.set(e.name, (variants = []));
    }
    const made = this.#make(e);
    if (variants.length >= VARIANTS_PER_NAME) variants.shift();
    variants.push(made);
    return made;
  }

  #make(e: LogEntry): Entry {
    const name = jsonText(e.name);
    const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
    const json = utf8(
      `,"type":"${e.type}","class":"${e.class}","name":"${name}","proto":"${e.proto}","size":${e.size},"do":${e.do}` +
        `,"bufsize":${e.bufsize},"rcode":"${e.rcode}","rflags":"${e.rflags}","rsize":${e.rsize},"duration":`,
    );
    const opcode = utf8(`,"opcode":"${e.opcode}","msg":"`);
    const runs = this.format.runs.map((run) => utf8(runText(run, e, name)));
    return {
      source: { type: e.type, class: e.class, proto: e.proto, size: e.size, do: e.do, bufsize: e.bufsize, rcode: e.rcode, rflags: e.rflags, rsize: e.rsize, opcode: e.opcode },
      json,
      opcode,
      runs,
      size: json.length + opcode.length + runs.reduce((n, r) => n + r.length, 0),
    };
  }
}
