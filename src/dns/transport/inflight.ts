// Counts the asynchronous queries a listener has in flight, so that shutdown and reload can wait
// for them to be answered (bounded) before closing sockets.

export class InflightCounter {
  #count = 0;
  #waiters: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  begin(): void {
    this.#count++;
  }

  end(): void {
    if (--this.#count === 0) for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when nothing is in flight, or after `maxMs`. */
  async drained(maxMs: number): Promise<void> {
    if (this.#count === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, maxMs);
      this.#waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
