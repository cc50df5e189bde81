// Round-robin on the wire: permutes the A records of the answer section among themselves, and the
// AAAA records among themselves, by swapping their bytes. Records of one type all have the same
// size (2-byte owner pointer + fixed header + fixed address), so no other byte moves and every
// compression pointer elsewhere in the message stays valid. When an owner is not a 2-byte pointer
// (another record may point into it) the message is left as it is.

import { QType } from '../../dns/constants.js';
import type { MessageLayout } from '../../dns/wire/layout.js';

const A_SIZE = 2 + 10 + 4;
const AAAA_SIZE = 2 + 10 + 16;

/** A shuffled copy of `wire`, or null when there is nothing to do or it is not safe to do it. */
export function shuffleAddresses(wire: Uint8Array, layout: MessageLayout, random: () => number): Uint8Array | null {
  const recs = layout.records;
  const a: number[] = [];
  const aaaa: number[] = [];
  for (let i = 0; i < layout.counts[0]; i++) {
    const start = recs[i * 2]!;
    const size = recs[i * 2 + 1]! - start;
    const pointerOwner = (wire[start]! & 0xc0) === 0xc0;
    const type = (wire[start + 2]! << 8) | wire[start + 3]!;
    if (pointerOwner && type === QType.A && size === A_SIZE) a.push(start);
    else if (pointerOwner && type === QType.AAAA && size === AAAA_SIZE) aaaa.push(start);
    else if (!pointerOwner && isAddressRecord(wire, start)) return null;
  }
  if (a.length < 2 && aaaa.length < 2) return null;
  const out = Uint8Array.from(wire);
  permute(wire, out, a, A_SIZE, random);
  permute(wire, out, aaaa, AAAA_SIZE, random);
  return out;
}

/** Type of a record whose owner is a plain name (skip its labels to reach the type). */
function isAddressRecord(wire: Uint8Array, start: number): boolean {
  let p = start;
  while (p < wire.length) {
    const len = wire[p]!;
    if (len === 0) {
      p += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      p += 2;
      break;
    }
    p += 1 + len;
  }
  const type = (wire[p]! << 8) | wire[p + 1]!;
  return type === QType.A || type === QType.AAAA;
}

/** Fisher-Yates over the slots: slot i of `out` gets the record from slot order[i] of `src`. */
function permute(src: Uint8Array, out: Uint8Array, slots: readonly number[], size: number, random: () => number): void {
  const n = slots.length;
  if (n < 2) return;
  const order = slots.map((_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  for (let i = 0; i < n; i++) {
    const from = slots[order[i]!]!;
    out.set(src.subarray(from, from + size), slots[i]!);
  }
}
