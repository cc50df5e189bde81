// The de-duplicating work queue in the manner of client-go's workqueue: a key waiting is queued
// once however often it is added; a key being processed is never handed to a second worker, and
// if it is added meanwhile it is processed again after done(). Delayed and rate-limited adds go
// through timers on the injected clock. Keys added at low priority (full passes: resyncs, a member
// cluster's state change) wait behind every key added at normal priority (a change someone made),
// as controller-runtime's priority queue does, so that a burst of bulk work never delays a change.

import type { Clock, TimerHandle } from './clock.js';
import type { RateLimiter } from './rate-limiter.js';

export interface QueueObserver {
  depth?(n: number): void;
  added?(): void;
  /** Time a key waited between being queued and handed out. */
  queued?(ms: number): void;
  retried?(): void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Low-priority keys in order; an entry whose key is not in `lowQueued` any more is stale (skipped). */
  private readonly background: string[] = [];
  private readonly lowQueued = new Set<string>();
  /** Dirty keys that were only ever added at low priority. */
  private readonly lowDirty = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; handle: TimerHandle }>();
  private readonly waiters: Array<(key: string | null) => void> = [];
  private shuttingDown = false;

  constructor(
    private readonly clock: Clock,
    private readonly limiter: RateLimiter,
    private readonly observer: QueueObserver = {},
  ) {}

  add(key: string, priority: 'normal' | 'low' = 'normal'): void {
    if (this.shuttingDown) return;
    const low = priority === 'low';
    if (this.dirty.has(key)) {
      if (low) return;
      this.lowDirty.delete(key);
      // Queued at low priority: move it up.
      if (this.lowQueued.delete(key)) this.queue.push(key);
      return;
    }
    this.dirty.add(key);
    if (low) this.lowDirty.add(key);
    this.observer.added?.();
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Adds after `ms`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.timers.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      pending.handle.cancel();
    }
    const handle = this.clock.setTimer(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { at, handle });
  }

  addRateLimited(key: string): void {
    this.observer.retried?.();
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  failures(key: string): number {
    return this.limiter.failures(key);
  }

  /** The next key, or null once shut down. The caller must call done(key). */
  get(): Promise<string | null> {
    const key = this.queue.shift() ?? this.nextLow();
    if (key !== undefined) return Promise.resolve(this.handOut(key));
    if (this.shuttingDown) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
  }

  len(): number {
    return this.queue.length + this.lowQueued.size;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const t of this.timers.values()) t.handle.cancel();
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(null);
  }

  private enqueue(key: string): void {
    this.addedAt.set(key, this.clock.now());
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter(this.handOut(key));
      return;
    }
    if (this.lowDirty.has(key)) {
      this.lowQueued.add(key);
      this.background.push(key);
    } else {
      this.queue.push(key);
    }
    this.observer.depth?.(this.len());
  }

  private nextLow(): string | undefined {
    for (let key = this.background.shift(); key !== undefined; key = this.background.shift()) {
      if (this.lowQueued.delete(key)) return key;
    }
    return undefined;
  }

  private handOut(key: string): string {
    this.dirty.delete(key);
    this.lowDirty.delete(key);
    this.lowQueued.delete(key);
    this.processing.add(key);
    const at = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (at !== undefined) this.observer.queued?.(this.clock.now() - at);
    this.observer.depth?.(this.len());
    return key;
  }
}
