// What a plugin hands back: an rcode, the flags it owns (AA, AD, RA), and optionally the encoded
// message. The response writer (dns/response-writer.ts) patches the client's ID, flags and question
// bytes in, adds OPT, and truncates; so a Reply never depends on who asked.

import { HEADER_SIZE } from './constants.js';
import { walkMessage, type MessageLayout } from './wire/layout.js';

export interface Reply {
  /** Full rcode (values above 15 need EDNS to be expressed). */
  readonly rcode: number;
  /** Flag bits this reply asserts, from {AA, AD, RA}; others are ignored. */
  readonly flags: number;
  /**
   * The message: a 12-byte header (counts must be right; ID and flags are ignored), exactly one
   * question, then the records, without any OPT record. Null: only an rcode ("nothing written").
   */
  readonly wire: Uint8Array | null;
  /** Where the records are in `wire`; computed on first use when not given. */
  layout(): MessageLayout;
  /** The plugin that produced it ("multicluster", "forward", ...). */
  readonly plugin: string;
}

const EMPTY_LAYOUT: MessageLayout = Object.freeze({
  questionEnd: HEADER_SIZE,
  counts: [0, 0, 0] as const,
  records: new Uint32Array(0),
});

class StaticReply implements Reply {
  #layout: MessageLayout | null;
  constructor(
    readonly rcode: number,
    readonly flags: number,
    readonly wire: Uint8Array | null,
    readonly plugin: string,
    layout: MessageLayout | null,
  ) {
    this.#layout = layout;
  }
  layout(): MessageLayout {
    if (this.#layout === null) this.#layout = this.wire === null ? EMPTY_LAYOUT : walkMessage(this.wire);
    return this.#layout;
  }
}

/** A reply that carries only an rcode; the writer produces header + question (+ OPT). */
export function rcodeReply(rcode: number, plugin: string, flags = 0): Reply {
  return new StaticReply(rcode, flags, null, plugin, EMPTY_LAYOUT);
}

/** A reply from a full message. `layout` may be passed when already known (pre-encoded answers). */
export function wireReply(
  rcode: number,
  flags: number,
  wire: Uint8Array,
  plugin: string,
  layout: MessageLayout | null = null,
): Reply {
  return new StaticReply(rcode, flags, wire, plugin, layout);
}
