// Unpredictable 16-bit message IDs for upstream queries (RFC 5452 §9.2), drawn from the CSPRNG in
// blocks so that the per-query cost is an array read.

import { randomFillSync } from 'node:crypto';

export class RandomIds {
  #block = new Uint16Array(512);
  #next = this.#block.length;

  take(): number {
    if (this.#next >= this.#block.length) {
      randomFillSync(this.#block);
      this.#next = 0;
    }
    return this.#block[this.#next++]!;
  }
}

/** A copy of `message` carrying `id` in its header. */
export function withId(message: Uint8Array, id: number): Buffer {
  const out = Buffer.from(message);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  return out;
}
