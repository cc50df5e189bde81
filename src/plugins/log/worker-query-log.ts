// The query log with a worker thread (query-log-worker.ts) making and writing the lines: a logged
// query costs the query path one record copied into shared memory (record-ring.ts: about 2,000
// instructions a line in all), where making the line on the main thread costs it about 16,000
// (bench/metrics-instructions.ts). It is pino's own remedy (transports run in a worker) taken one
// step further: pino's worker only writes, ours also formats.
//
// A worker costs about 20 MB of memory, so it is started only when the log gets busy (BUSY_LINES
// lines within a second, from start); a log that writes now and then (CoreDNS's advice for
// production, `class denial error`, on a server with few failing queries) keeps making its lines
// on the main thread. Below BUSY_LINES a second, those take at most about 1% of the main
// thread's instructions at saturation (a query costs it about 30,000, at some 45k qps here).
// Once started, the worker stays until stop.
//
// No line is lost to speed: when the ring is full the query path waits for the worker, as a
// synchronous log waits for its destination. Only if the worker makes no room for STALL_MS (its
// destination is stuck) are lines dropped, counted and reported, until there is room again; a
// stuck log must not stop DNS. Before start, after stop and if the worker dies, lines are made on
// the main thread.

import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import type { CompiledFormat } from './format.js';
import type { QueryLog } from './query-log.js';
import type { QueryLogWorkerData } from './query-log-worker.js';
import { bindingsText, QueryLogWriter } from './query-log-writer.js';
import { BELL, ringMemory, RingWriter, STOP, TAIL, type RingMemory } from './record-ring.js';

/** How long the query path waits for room before it starts dropping lines. */
export const STALL_MS = 1000;
/** How long stop waits for the worker to write what is left. */
const STOP_TIMEOUT_MS = 5000;
const WORKER_YOUNG_MB = 4;
/** Lines within one second that make the log busy enough for a worker. */
export const BUSY_LINES = 1000;

export interface WorkerQueryLogOptions {
  /** Lines within a second that start the worker; 0 starts it at start(). */
  readonly busyLines?: number;
}

/** The worker's module: compiled JavaScript next to this file, or (tests, tsx) the TypeScript source. */
function workerModule(): { url: URL; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  return fromSource
    ? { url: new URL('./query-log-worker.ts', import.meta.url), execArgv: ['--import', 'tsx'] }
    : { url: new URL('./query-log-worker.js', import.meta.url), execArgv: [] };
}

export class WorkerQueryLog implements QueryLog {
  readonly #logger: Logger;
  readonly #formats: readonly CompiledFormat[];
  readonly #fd: number;
  readonly #memory: RingMemory = ringMemory();
  readonly #ring: RingWriter;
  readonly #inThread: QueryLogWriter;
  #worker: Worker | null = null;
  /** Lines dropped in the current stall; -1 when not dropping. */
  #dropping = -1;

  readonly #busyLines: number;
  /** Between start and stop: the worker may be started. */
  #started = false;
  #stopped = false;
  #spawning: Promise<void> | null = null;
  /** Lines made on the main thread in the current one-second window, and when it began. */
  #windowLines = 0;
  #windowStart = 0;

  constructor(logger: Logger, formats: readonly CompiledFormat[], fd: number, options: WorkerQueryLogOptions = {}) {
    this.#logger = logger;
    this.#formats = formats;
    this.#fd = fd;
    this.#busyLines = options.busyLines ?? BUSY_LINES;
    this.#ring = new RingWriter(this.#memory);
    this.#inThread = new QueryLogWriter(logger, formats);
  }

  get enabled(): boolean {
    return this.#logger.isLevelEnabled('info');
  }

  /** The worker is making the lines. */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** Lines dropped since start because the destination was stuck. */
  dropped = 0;

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (this.#busyLines === 0) await this.#spawn();
  }

  #spawn(): Promise<void> {
    this.#spawning ??= this.#startWorker();
    return this.#spawning;
  }

  async #startWorker(): Promise<void> {
    const { url, execArgv } = workerModule();
    const workerData: QueryLogWorkerData = {
      memory: this.#memory,
      fd: this.#fd,
      bindings: bindingsText(this.#logger),
      formats: this.#formats.map((f) => f.source),
    };
    // A small young generation: the worker's garbage is a few short strings a line, and its
    // semi-spaces would otherwise grow to the main thread's size (--max-semi-space-size).
    const worker = new Worker(url, { workerData, execArgv, stdout: false, stderr: false, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    worker.on('message', (message: string) => this.#logger.warn(message));
    worker.on('error', (err) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#logger.error({ err, lost: this.#ring.backlog }, 'query log worker failed; lines are made on the main thread from now on');
    });
    try {
      await once(worker, 'online');
    } catch (err) {
      this.#logger.error({ err }, 'query log worker did not start; lines are made on the main thread');
      return;
    }
    // The worker must not keep a finished process alive; stop() ends it properly.
    worker.unref();
    // Lines made on the main thread so far go out first.
    this.#inThread.flush();
    this.#worker = worker;
  }

  log(req: Request, reply: Reply, durationNs: number, format: number, timeMs: number): void {
    if (this.#worker === null) {
      this.#inThread.log(req, reply, durationNs, format, timeMs);
      if (this.#started && !this.#stopped && this.#spawning === null) this.#countBusy(timeMs);
      return;
    }
    if (this.#ring.put(req, reply, durationNs, format, timeMs)) {
      if (this.#dropping >= 0) this.#endStall();
      return;
    }
    if (this.#dropping < 0 && this.#waitForRoom() && this.#ring.put(req, reply, durationNs, format, timeMs)) return;
    if (this.#dropping < 0) this.#dropping = 0;
    this.#dropping++;
    this.dropped++;
  }

  /** Counts a line made on the main thread at `now` (the line's time) in the one-second window. */
  #countBusy(now: number): void {
    if (now - this.#windowStart >= 1000 || now < this.#windowStart) {
      this.#windowStart = now;
      this.#windowLines = 0;
    }
    if (++this.#windowLines >= this.#busyLines) {
      this.#logger.info({ linesPerSecond: this.#windowLines }, 'query log busy: lines are made by a worker thread from now on');
      void this.#spawn();
    }
  }

  /** Waits up to STALL_MS for the worker to free a slot; false if it did not. */
  #waitForRoom(): boolean {
    const control = this.#ring.control;
    const deadline = performance.now() + STALL_MS;
    while (this.#ring.backlog >= this.#ring.capacity) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.notify(control, BELL);
      Atomics.wait(control, TAIL, Atomics.load(control, TAIL), Math.min(left, 10));
    }
    return true;
  }

  #endStall(): void {
    this.#logger.warn({ dropped: this.#dropping }, 'query log: the destination did not keep up; lines were dropped');
    this.#dropping = -1;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#spawning;
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) {
      const control = this.#ring.control;
      Atomics.store(control, STOP, 1);
      Atomics.notify(control, BELL);
      const exited = once(worker, 'exit');
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    if (this.#dropping >= 0) this.#endStall();
    this.#inThread.flush();
  }
}
