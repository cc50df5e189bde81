// CoreDNS's up.Probe: once kicked, runs a check at once and then every interval until one check
// succeeds, then goes idle until the next kick. Kicks while a round is running are no-ops.

export class HealthProbe {
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(
    private readonly check: () => Promise<boolean>,
    private readonly intervalMs: number,
  ) {}

  get running(): boolean {
    return this.#running;
  }

  kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    void this.#round();
  }

  /** Idempotent; a check already in flight finishes but schedules nothing more. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #round(): Promise<void> {
    const healthy = await this.check().catch(() => false);
    if (healthy || this.#stopped) {
      this.#running = false;
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#round();
    }, this.intervalMs);
    this.#timer.unref();
  }
}
