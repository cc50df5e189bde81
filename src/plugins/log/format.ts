// A log FORMAT compiled once at setup. {common} and {combined} expand as in CoreDNS; an unknown
// placeholder stays as it was written, and {/label} (metadata) and {local} print "-". The text is
// produced already escaped as the inside of a JSON string, since it is only ever written as the
// log line's msg.
//
// The format is cut into segments: the fields that differ from one query to the next even for the
// same question ({remote}, {port}, {>id}, {duration}) and, between them, "stable runs" of literal
// text and fields that depend only on the question and its answer (name, type, size, rcode, ...).
// A stable run's bytes are made once per distinct question and answer and reused (stable-text.ts),
// so a logged query copies a few long pre-encoded pieces and writes four short values instead of
// assembling some forty short strings (which V8 then has to flatten and re-encode).

import type { LogEntry } from './entry.js';
import type { LineBytes } from './line-bytes.js';

export const COMMON_LOG_FORMAT = '{remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}';
export const COMBINED_LOG_FORMAT = `${COMMON_LOG_FORMAT} "{>opcode}"`;

const enum F {
  Remote, Port, Id, Duration, // varying: the first four
  Type, Class, Name, Proto, Size, Do, Bufsize, Rcode, Rflags, Rsize, Opcode,
}
const VARYING_FIELDS = 4;
const FIELD_KEYS: Readonly<Record<string, F>> = {
  remote: F.Remote, port: F.Port, '>id': F.Id, duration: F.Duration,
  type: F.Type, class: F.Class, name: F.Name, proto: F.Proto, size: F.Size, '>do': F.Do,
  '>bufsize': F.Bufsize, rcode: F.Rcode, '>rflags': F.Rflags, rsize: F.Rsize, '>opcode': F.Opcode,
};

/** Literal text (JSON-escaped) or a field. */
type Part = string | F;

export interface CompiledFormat {
  /** The FORMAT as written (compiling it again gives the same format). */
  readonly source: string;
  /** In order: a varying field (0..3) as itself, or stable run `i` as `-1 - i`. */
  readonly segments: readonly number[];
  readonly runs: readonly (readonly Part[])[];
  /** Room a line needs beyond its stable text: the varying values in the msg and in the fields. */
  readonly varyingRoom: number;
}

export function compileFormat(format: string): CompiledFormat {
  const text = format.replaceAll('{common}', COMMON_LOG_FORMAT).replaceAll('{combined}', COMBINED_LOG_FORMAT);
  const segments: number[] = [];
  const runs: Part[][] = [];
  let run: Part[] = [];
  let literal = '';
  const endLiteral = (): void => {
    if (literal !== '') run.push(JSON.stringify(literal).slice(1, -1));
    literal = '';
  };
  const endRun = (): void => {
    endLiteral();
    if (run.length > 0) {
      segments.push(-1 - runs.length);
      runs.push(run);
    }
    run = [];
  };
  let last = 0;
  for (const m of text.matchAll(/\{([^{}]+)\}/g)) {
    literal += text.slice(last, m.index);
    last = m.index + m[0].length;
    const key = m[1]!;
    const field = Object.hasOwn(FIELD_KEYS, key) ? FIELD_KEYS[key]! : null;
    if (field === null) literal += key.startsWith('/') || key === 'local' ? '-' : m[0];
    else if (field < VARYING_FIELDS) {
      endRun();
      segments.push(field);
    } else {
      endLiteral();
      run.push(field);
    }
  }
  literal += text.slice(last);
  endRun();
  return { source: format, segments, runs, varyingRoom: 160 + 64 * segments.length };
}

/** One stable field's text; `name` is the JSON-escaped name. */
function stableFieldText(field: F, e: LogEntry, name: string): string {
  switch (field) {
    case F.Type: return e.type;
    case F.Class: return e.class;
    case F.Name: return name;
    case F.Proto: return e.proto;
    case F.Size: return `${e.size}`;
    case F.Do: return e.do ? 'true' : 'false';
    case F.Bufsize: return `${e.bufsize}`;
    case F.Rcode: return e.rcode;
    case F.Rflags: return e.rflags;
    case F.Rsize: return `${e.rsize}`;
    case F.Opcode: return e.opcode;
    default: return '';
  }
}

/** A stable run's text for `e` (made once per distinct question and answer). */
export function runText(run: readonly Part[], e: LogEntry, name: string): string {
  let out = '';
  for (const p of run) out += typeof p === 'string' ? p : stableFieldText(p, e, name);
  return out;
}

/** The format filled in for `e` into `out`, given its stable runs' bytes. */
export function writeFormat(out: LineBytes, format: CompiledFormat, runs: readonly Uint8Array[], e: LogEntry): void {
  for (const s of format.segments) {
    switch (s) {
      case F.Remote:
        if (e.remote.includes(':')) {
          out.byte(0x5b);
          out.ascii(e.remote);
          out.byte(0x5d);
        } else out.ascii(e.remote);
        break;
      case F.Port:
        out.uint(e.port);
        break;
      case F.Id:
        out.uint(e.id);
        break;
      case F.Duration:
        out.seconds(e.durationNs);
        out.byte(0x73);
        break;
      default:
        out.bytes(runs[-1 - s]!);
    }
  }
}
