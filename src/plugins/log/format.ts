// A log FORMAT compiled once at setup into literal text and field references, so that filling it
// for a logged query is a loop over a short array. {common} and {combined} expand as in CoreDNS;
// an unknown placeholder stays as it was written, and {/label} (metadata) and {local} print "-".
// The text is produced already escaped as the inside of a JSON string, since it is only ever
// written as the log line's msg.

import type { LogEntry } from './entry.js';

export const COMMON_LOG_FORMAT = '{remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}';
export const COMBINED_LOG_FORMAT = `${COMMON_LOG_FORMAT} "{>opcode}"`;

const FIELDS = ['remote', 'port', '>id', 'type', 'class', 'name', 'proto', 'size', '>do', '>bufsize', 'rcode', '>rflags', 'rsize', 'duration', '>opcode'] as const;

/** Literal text (JSON-escaped) or a field's index in FIELDS. */
export type CompiledFormat = readonly (string | number)[];

export function compileFormat(format: string): CompiledFormat {
  const text = format.replaceAll('{common}', COMMON_LOG_FORMAT).replaceAll('{combined}', COMBINED_LOG_FORMAT);
  const parts: (string | number)[] = [];
  let pending = '';
  const flushLiteral = (): void => {
    if (pending !== '') parts.push(JSON.stringify(pending).slice(1, -1));
    pending = '';
  };
  let last = 0;
  for (const m of text.matchAll(/\{([^{}]+)\}/g)) {
    pending += text.slice(last, m.index);
    last = m.index + m[0].length;
    const key = m[1]!;
    const field = (FIELDS as readonly string[]).indexOf(key);
    if (field >= 0) {
      flushLiteral();
      parts.push(field);
    } else pending += key.startsWith('/') || key === 'local' ? '-' : m[0];
  }
  pending += text.slice(last);
  flushLiteral();
  return parts;
}

function fieldText(field: number, e: LogEntry, name: string, seconds: string): string {
  switch (field) {
    case 0: return e.remote.includes(':') ? `[${e.remote}]` : e.remote;
    case 1: return `${e.port}`;
    case 2: return `${e.id}`;
    case 3: return e.type;
    case 4: return e.class;
    case 5: return name;
    case 6: return e.proto;
    case 7: return `${e.size}`;
    case 8: return e.do ? 'true' : 'false';
    case 9: return `${e.bufsize}`;
    case 10: return e.rcode;
    case 11: return e.rflags;
    case 12: return `${e.rsize}`;
    case 13: return `${seconds}s`;
    default: return e.opcode;
  }
}

/** The format filled in: CoreDNS's text, escaped as the inside of a JSON string. */
export function formatText(format: CompiledFormat, e: LogEntry, name: string, seconds: string): string {
  let out = '';
  for (const p of format) out += typeof p === 'string' ? p : fieldText(p, e, name, seconds);
  return out;
}
