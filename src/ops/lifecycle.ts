// Where the process is in its life (serving, lameduck, stopped), which /ready reports, and the
// lameduck delay the `health` plugins ask for (the longest one wins, as each CoreDNS health
// instance would sleep its own before shutdown).

export type Phase = 'serving' | 'lameduck' | 'stopped';

export class Lifecycle {
  #phase: Phase = 'serving';
  readonly #lameducks = new Set<{ readonly ms: number }>();

  get phase(): Phase {
    return this.#phase;
  }

  /** True until shutdown begins. */
  get serving(): boolean {
    return this.#phase === 'serving';
  }

  /** Registers a lameduck duration; the returned function withdraws it (idempotent). */
  addLameduck(ms: number): () => void {
    const entry = { ms };
    this.#lameducks.add(entry);
    return () => {
      this.#lameducks.delete(entry);
    };
  }

  /** The delay between "not ready" and closing the DNS listeners. */
  lameduckMs(): number {
    let max = 0;
    for (const e of this.#lameducks) max = Math.max(max, e.ms);
    return max;
  }

  enterLameduck(): void {
    if (this.#phase === 'serving') this.#phase = 'lameduck';
  }

  markStopped(): void {
    this.#phase = 'stopped';
  }
}
