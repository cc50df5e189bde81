// Decides whether a message read from an upstream answers the query we sent (RFC 5452): it must be
// a response with our ID and exactly our question (name compared case-insensitively, type, class),
// and its records must be well-formed. Anything else is ignored by the caller, which keeps waiting.

import { Flag, HEADER_SIZE } from '../constants.js';
import { walkMessage, type MessageLayout } from './layout.js';
import { WireError } from './names.js';

function foldAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/**
 * Whether `message` has exactly one question equal to `questionWire` (uncompressed name, type,
 * class), the name compared case-insensitively. Also used by the cache before storing a reply.
 */
export function sameQuestion(message: Uint8Array, questionWire: Uint8Array): boolean {
  const qLen = questionWire.length;
  if (message.length < HEADER_SIZE + qLen) return false;
  if (message[4] !== 0 || message[5] !== 1) return false;
  // Label length octets are < 64, so folding letters cannot make them equal by accident.
  for (let i = 0; i < qLen; i++) {
    if (foldAscii(message[HEADER_SIZE + i]!) !== foldAscii(questionWire[i]!)) return false;
  }
  return true;
}

/**
 * `questionWire` is our query's question section (uncompressed labels + type + class). Returns the
 * reply's layout when it matches, or null.
 */
export function matchReply(reply: Uint8Array, id: number, questionWire: Uint8Array): MessageLayout | null {
  const qLen = questionWire.length;
  if (reply.length < HEADER_SIZE + qLen) return null;
  if (((reply[0]! << 8) | reply[1]!) !== id) return null;
  if ((reply[2]! & (Flag.QR >> 8)) === 0) return null;
  if (!sameQuestion(reply, questionWire)) return null;
  try {
    return walkMessage(reply);
  } catch (e) {
    if (e instanceof WireError) return null;
    throw e;
  }
}

/** The full rcode: the header's 4 bits plus the upper 8 bits from the OPT record, when present. */
export function fullRcode(reply: Uint8Array, layout: MessageLayout): number {
  const low = reply[3]! & 0xf;
  if (layout.optStart === undefined) return low;
  // OPT owner is the root (1 byte): TYPE(2) CLASS(2) then TTL whose first byte is the extended rcode.
  const ext = reply[layout.optStart + 5] ?? 0;
  return (ext << 4) | low;
}
