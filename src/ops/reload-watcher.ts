// Re-reads the configuration every INTERVAL ± JITTER/2 and applies it when its SHA-512 changed
// (CoreDNS's reload plugin); SIGUSR1 asks for the same at once, changed or not. Applying is the
// caller's job (parse, set up, start the new chains, swap, stop the old ones); if it throws, the
// running configuration stays, the error is logged and counted, and that same text is not retried
// until it changes again. One reload runs at a time; requests during one are folded into one more.

import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReloadSettings } from './reload-settings.js';

export type ReloadOutcome = 'unchanged' | 'applied' | 'failed';

export interface ReloadWatcherOptions {
  /** The configuration text as hashed (the Corefile, plus imported files if those should count). */
  readonly read: () => Promise<string>;
  /** Applies a new configuration; returns its reload settings (null: stop polling). Throws if bad. */
  readonly apply: (text: string) => Promise<ReloadSettings | null>;
  readonly logger: Logger;
  /** Where coredns_reload_failed_total and coredns_reload_info go; none in some tests. */
  readonly registry?: Registry;
  readonly random?: () => number;
}

function sha512(text: string): string {
  return createHash('sha512').update(text).digest('hex');
}

export class ReloadWatcher {
  readonly #opts: ReloadWatcherOptions;
  #hash = '';
  #settings: ReloadSettings | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<ReloadOutcome> | null = null;
  #queued: { force: boolean; promise: Promise<ReloadOutcome> } | null = null;
  #stopped = false;
  readonly #failed: Counter | null;
  readonly #info: Gauge<'hash' | 'value'> | null;

  constructor(opts: ReloadWatcherOptions) {
    this.#opts = opts;
    const registers = opts.registry === undefined ? [] : [opts.registry];
    this.#failed = opts.registry === undefined ? null : new Counter({
      name: 'coredns_reload_failed_total',
      help: 'Counter of the number of failed reload attempts.',
      registers,
    });
    this.#info = opts.registry === undefined ? null : new Gauge({
      name: 'coredns_reload_info',
      help: 'Info about Corefile loaded.',
      labelNames: ['hash', 'value'],
      registers,
    });
  }

  /** Records the running configuration and starts polling with its settings (null: no polling). */
  start(runningText: string, settings: ReloadSettings | null): void {
    this.#stopped = false;
    this.#setHash(sha512(runningText));
    this.#opts.logger.info({ sha512: this.#hash }, 'running configuration');
    this.configure(settings);
  }

  /** (Re)schedules polling; the jitter offset is drawn again, as CoreDNS does on each reload. */
  configure(settings: ReloadSettings | null): void {
    this.#settings = settings;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (settings === null || this.#stopped) return;
    const random = this.#opts.random ?? Math.random;
    const delay = Math.max(1, settings.intervalMs + (random() - 0.5) * settings.jitterMs);
    const tick = (): void => {
      void this.check().finally(() => {
        if (this.#timer !== null && !this.#stopped && this.#settings === settings) {
          this.#timer = setTimeout(tick, delay);
          this.#timer.unref();
        }
      });
    };
    this.#timer = setTimeout(tick, delay);
    this.#timer.unref();
  }

  /** Applies the configuration if its text changed since the last attempt. */
  check(): Promise<ReloadOutcome> {
    return this.#enqueue(false);
  }

  /** Applies the configuration whether or not it changed (SIGUSR1). */
  reloadNow(): Promise<ReloadOutcome> {
    return this.#enqueue(true);
  }

  /** Stops polling; a reload in progress finishes. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  #enqueue(force: boolean): Promise<ReloadOutcome> {
    if (this.#running === null) {
      this.#running = this.#attempt(force).finally(() => this.#next());
      return this.#running;
    }
    if (this.#queued === null) {
      const running = this.#running;
      const queued = { force, promise: Promise.resolve<ReloadOutcome>('unchanged') };
      queued.promise = running.then((): Promise<ReloadOutcome> => this.#enqueue(queued.force));
      this.#queued = queued;
      return queued.promise;
    }
    this.#queued.force ||= force;
    return this.#queued.promise;
  }

  #next(): void {
    this.#running = null;
    this.#queued = null;
  }

  async #attempt(force: boolean): Promise<ReloadOutcome> {
    const log = this.#opts.logger;
    if (this.#stopped) return 'unchanged';
    let text: string;
    try {
      text = await this.#opts.read();
    } catch (err) {
      log.warn({ err }, 'cannot read the configuration; keeping the running one');
      return 'failed';
    }
    const hash = sha512(text);
    if (!force && hash === this.#hash) return 'unchanged';
    // Even a bad text is tried only once: the next try waits for another change or SIGUSR1.
    this.#setHash(hash);
    try {
      const settings = await this.#opts.apply(text);
      log.info({ sha512: hash }, 'configuration reloaded');
      this.configure(settings);
      return 'applied';
    } catch (err) {
      this.#failed?.inc();
      log.error({ err, sha512: hash }, `configuration changed but reload failed, keeping the running one: ${err instanceof Error ? err.message : String(err)}`);
      return 'failed';
    }
  }

  #setHash(hash: string): void {
    if (this.#info !== null) {
      if (this.#hash !== '') this.#info.remove({ hash: 'sha512', value: this.#hash });
      this.#info.set({ hash: 'sha512', value: hash }, 1);
    }
    this.#hash = hash;
  }
}
