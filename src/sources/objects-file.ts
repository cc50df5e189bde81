// The objects-file source: a YAML file of ServiceImport, EndpointSlice, Namespace and
// ClusterProperty objects, served as if it were the cluster. The file is watched; every content change is applied as one
// atomic snapshot, bad objects are logged and left out, and a file that stops parsing keeps the
// last good data. A large file is parsed in a worker thread and applied in slices of a few
// milliseconds (objects-file-load.ts, objects-file-apply.ts): the old data serves, and queries and
// /health are answered, until the new data is complete.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../plugins/setup-context.js';
import { FileWatch } from './file-watch.js';
import type { ObjectSnapshot, ObjectSource } from './model.js';
import { applyInSlices } from './objects-file-apply.js';
import type { ObjectProblem } from './objects-file-collect.js';
import { IN_THREAD_MAX_CHARS, loadFileInWorker, loadObjectsText, type FileLoaded } from './objects-file-load.js';
import { SnapshotStore } from './snapshot-store.js';

export interface ObjectsFileSourceOptions {
  readonly path: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Stat poll interval, the fallback when file system events are missed (default 250 ms). */
  readonly pollIntervalMs?: number;
  /** Files up to this many bytes are read and parsed on the main thread (objects-file-load.ts). */
  readonly inThreadMaxChars?: number;
}

const DEFAULT_POLL_INTERVAL_MS = 250;
// Lets a writer finish a burst of writes before the file is read (see FileWatch).
const SETTLE_MS = 50;
const MAX_SETTLE_MS = 250;
// An empty file is what an in-place writer leaves between truncating and writing; it replaces
// the data only if it is still empty this much later.
const EMPTY_CONFIRM_MS = 150;

type LoadResult =
  | { readonly ok: true; readonly snapshot: ObjectSnapshot | null }
  | { readonly ok: false; readonly error: string; readonly line: number | null };

export class ObjectsFileSource implements ObjectSource {
  private readonly store: SnapshotStore;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly watch: FileWatch;
  private starting: Promise<void> | null = null;
  private stopped = false;
  private loaded = false;
  /** Hash of the content last applied, so a rewrite with the same bytes costs nothing. */
  private appliedHash = '';
  /** The last failure logged, so a broken file is reported once, not on every poll. */
  private lastFailure = '';
  /** The reload in progress, which stop() waits for. */
  private reloadLoop: Promise<void> | null = null;
  private reloadAgain = false;

  constructor(private readonly options: ObjectsFileSourceOptions) {
    this.logger = options.logger.child({ objectsFile: options.path });
    this.clock = options.clock ?? systemClock;
    this.store = new SnapshotStore({
      onListenerError: (err) => this.logger.error({ err }, 'snapshot listener failed'),
    });
    this.watch = new FileWatch({
      path: options.path,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      settleMs: SETTLE_MS,
      maxSettleMs: MAX_SETTLE_MS,
      onChange: () => this.reload(),
    });
  }

  current(): ObjectSnapshot {
    return this.store.current();
  }

  synced(): boolean {
    return this.loaded;
  }

  subscribe(listener: (snapshot: ObjectSnapshot) => void): () => void {
    return this.store.subscribe(listener);
  }

  /** Loads the file (rejecting, with the file and the YAML error's line, if it cannot), then watches it. */
  start(): Promise<void> {
    this.starting ??= this.firstLoad().catch((err: unknown) => {
      this.starting = null; // a later start() may try again
      throw err;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watch.stop();
    await this.reloadLoop;
  }

  private async firstLoad(): Promise<void> {
    if (this.stopped) throw new Error(`objects file ${this.options.path}: source was stopped`);
    const result = await this.load();
    if (!result.ok) throw new Error(`objects file ${this.options.path}: ${result.error}`);
    this.loaded = true;
    if (this.stopped) return;
    await this.watch.start();
    if (this.stopped) this.watch.stop();
    // An edit between the first read and the watcher's start would otherwise go unseen.
    this.reload();
  }

  /** Re-reads the file after a possible change; one read at a time, and once more if asked meanwhile. */
  private reload(): void {
    if (this.reloadLoop !== null) {
      this.reloadAgain = true;
      return;
    }
    this.reloadLoop = this.reloadUntilCurrent()
      .catch((err: unknown) => this.logger.error({ err }, 'objects file reload failed'))
      .finally(() => {
        this.reloadLoop = null;
      });
  }

  private async reloadUntilCurrent(): Promise<void> {
    do {
      this.reloadAgain = false;
      if (this.stopped) return;
      const result = await this.load();
      if (result.ok) this.lastFailure = '';
      else if (result.error !== this.lastFailure) {
        this.lastFailure = result.error;
        this.logger.error(
          { line: result.line },
          `objects file ${this.options.path}: ${result.error}; keeping the last good data`,
        );
      }
    } while (this.reloadAgain);
  }

  /** Reads, parses and applies the file; the store publishes only if the data changed. */
  private async load(): Promise<LoadResult> {
    const started = this.clock.monotonic();
    let size: number;
    try {
      size = (await stat(this.options.path)).size;
    } catch (err) {
      return { ok: false, error: `cannot read: ${(err as Error).message}`, line: null };
    }
    // A large file never touches this thread as text: read, hashed and parsed in a worker.
    if (size > (this.options.inThreadMaxChars ?? IN_THREAD_MAX_CHARS)) {
      this.logger.debug({ bytes: size }, 'objects file changed: loading');
      const r = await loadFileInWorker(this.options.path, this.appliedHash);
      if (r.ok === 'unchanged' || this.stopped) return { ok: true, snapshot: null };
      return await this.apply(r, started);
    }
    let text: string;
    try {
      text = await readFile(this.options.path, 'utf8');
      if (this.loaded && text.trim() === '') {
        await new Promise((resolve) => setTimeout(resolve, EMPTY_CONFIRM_MS));
        text = await readFile(this.options.path, 'utf8');
      }
    } catch (err) {
      return { ok: false, error: `cannot read: ${(err as Error).message}`, line: null };
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (this.stopped || hash === this.appliedHash) return { ok: true, snapshot: null };

    this.logger.debug({ bytes: size }, 'objects file changed: loading');
    return await this.apply({ ...loadObjectsText(text), hash }, started);
  }

  /** Applies what a load produced: the records in slices, then one commit. */
  private async apply(loaded: Exclude<FileLoaded, { ok: 'unchanged' }>, started: number): Promise<LoadResult> {
    if (!loaded.ok) {
      const where = loaded.line > 0 ? `line ${loaded.line}: ` : '';
      return { ok: false, error: `${where}${loaded.error}`, line: loaded.line || null };
    }
    const collected = loaded.collected;
    for (const problem of collected.problems) this.report(problem);

    if (!(await applyInSlices(this.store, collected, () => this.clock.monotonic(), () => this.stopped))) return { ok: true, snapshot: null };
    this.appliedHash = loaded.hash;
    const snapshot = this.store.commit();
    this.logger.info(
      {
        imports: collected.imports.length,
        slices: collected.slices.length,
        namespaces: collected.namespaces.length,
        localCluster: collected.localCluster,
        skipped: collected.problems.filter((p) => p.severity !== 'duplicate').length,
        version: this.store.current().version,
        ms: Math.round((this.clock.monotonic() - started) * 10) / 10,
      },
      snapshot === null ? 'objects file read: no change in served data' : 'objects file loaded',
    );
    return { ok: true, snapshot };
  }

  private report(problem: ObjectProblem): void {
    const at =
      problem.item === null
        ? `document ${problem.document}`
        : `document ${problem.document} item ${problem.item}`;
    const what = `${problem.kind || 'object'} ${problem.name ? `'${problem.name}'` : '(no name)'}`;
    const fields = {
      document: problem.document,
      item: problem.item,
      line: problem.line,
      kind: problem.kind,
      name: problem.name,
    };
    switch (problem.severity) {
      case 'invalid':
        this.logger.warn(fields, `${at} (line ${problem.line}): ${what} skipped: ${problem.reason}`);
        break;
      case 'duplicate':
        this.logger.warn(fields, `${at} (line ${problem.line}): ${what}: ${problem.reason}`);
        break;
      case 'skipped':
        this.logger.info(fields, `${at} (line ${problem.line}): ${what} not served: ${problem.reason}`);
        break;
    }
  }
}
