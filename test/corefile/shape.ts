// Compact, comparable views of parser output for the test tables.

import type { Directive, ServerBlock } from '../../src/corefile/types.js';

/** `['name', ...args]`, with the directive's block (if any) as a final nested array. */
export type DirectiveShape = (string | DirectiveShape[])[];

export interface BlockShape {
  /** `zone:port`, `-` for a key without a port. */
  keys: string[];
  directives: DirectiveShape[];
}

export function directiveShape(d: Directive): DirectiveShape {
  const out: DirectiveShape = [d.name, ...d.args];
  if (d.block !== null) out.push(d.block.map(directiveShape));
  return out;
}

export function blockShapes(blocks: readonly ServerBlock[]): BlockShape[] {
  return blocks.map((b) => ({
    keys: b.keys.map((k) => `${k.zone}:${k.port ?? '-'}`),
    directives: b.directives.map(directiveShape),
  }));
}
