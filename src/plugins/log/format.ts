// A log FORMAT compiled once at setup into literal text and placeholders, so that rendering a
// logged query is a loop over a short array. {common} and {combined} expand as in CoreDNS.

import { placeholder, type LogEntry } from './entry.js';

export const COMMON_LOG_FORMAT = '{remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}';
export const COMBINED_LOG_FORMAT = `${COMMON_LOG_FORMAT} "{>opcode}"`;

export type CompiledFormat = readonly (string | { readonly key: string })[];

export function compileFormat(format: string): CompiledFormat {
  const text = format.replaceAll('{common}', COMMON_LOG_FORMAT).replaceAll('{combined}', COMBINED_LOG_FORMAT);
  const parts: (string | { key: string })[] = [];
  const re = /\{([^{}]+)\}/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push({ key: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export function renderFormat(format: CompiledFormat, e: LogEntry): string {
  let out = '';
  for (const p of format) {
    if (typeof p === 'string') out += p;
    else out += placeholder(e, p.key) ?? `{${p.key}}`;
  }
  return out;
}
