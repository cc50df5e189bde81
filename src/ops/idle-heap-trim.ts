// Gives memory back once the server goes quiet after a busy spell. Under load V8 grows its heap
// and keeps freed pages for reuse, and a process that then sits idle runs no further GC, so the
// RSS a burst left (a flood of queries, 100,000 TCP connections: +50 MB measured) stays for good.
// Every 5 s this looks at the event loop: when it was busy under 5% of the time and RSS is 8 MB or
// more above where the last trim left it, one memory-reducing full GC (heap-trim.ts) runs. It
// blocks the loop for its duration (0.1-0.2 s at these sizes), which is why it waits for a quiet
// loop, and runs again only after another 8 MB of growth.

import type { Logger } from 'pino';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { heapTrimmer } from '../sources/heap-trim.js';

export interface IdleTrimProbe {
  /** Share of the time since the last call that the event loop was busy, 0..1. */
  busy(): number;
  rssBytes(): number;
}

const processProbe = (): IdleTrimProbe => {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return {
    busy() {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, last);
      last = now;
      return delta.utilization;
    },
    rssBytes: () => process.memoryUsage.rss(),
  };
};

export interface IdleHeapTrimOptions {
  readonly logger: Logger;
  readonly probe?: IdleTrimProbe;
  /** Runs one memory-reducing GC; false when the runtime offers none. */
  readonly trim?: () => boolean;
  readonly everyMs?: number;
}

const IDLE_BELOW = 0.05;
const GROWTH_BYTES = 8 * 1024 * 1024;
const MB = 1024 * 1024;

export class IdleHeapTrim {
  readonly #probe: IdleTrimProbe;
  readonly #trim: () => boolean;
  readonly #logger: Logger;
  readonly #everyMs: number;
  #baseline: number;
  #timer: NodeJS.Timeout | null = null;
  #unavailable = false;

  constructor(opts: IdleHeapTrimOptions) {
    this.#probe = opts.probe ?? processProbe();
    this.#trim = opts.trim ?? heapTrimmer();
    this.#logger = opts.logger;
    this.#everyMs = opts.everyMs ?? 5000;
    this.#baseline = this.#probe.rssBytes();
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.tick(), this.#everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One look: trims when the loop was quiet and RSS grew enough since the last trim. True if it trimmed. */
  tick(): boolean {
    if (this.#unavailable) return false;
    const busy = this.#probe.busy();
    const before = this.#probe.rssBytes();
    this.#baseline = Math.min(this.#baseline, before); // grown since its lowest point, not since a high one
    if (busy >= IDLE_BELOW || before < this.#baseline + GROWTH_BYTES) return false;
    const began = performance.now();
    if (!this.#trim()) {
      // This runtime offers no such GC: nothing to do, ever.
      this.#unavailable = true;
      this.stop();
      return false;
    }
    const after = this.#probe.rssBytes();
    this.#baseline = after;
    this.#logger.info(
      { rssBeforeMb: Math.round(before / MB), rssAfterMb: Math.round(after / MB), ms: Math.round(performance.now() - began) },
      'idle: heap trimmed',
    );
    return true;
  }
}
