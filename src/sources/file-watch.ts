// Noticing that a file may have changed. fs.watch on the file's directory catches in-place
// writes, editors that replace the file by rename, and Kubernetes ConfigMap volumes (which swap a
// `..data` symlink); a stat poll catches what the platform's watcher misses (network file
// systems, a watcher that died with its directory). It only signals; the owner reads the file
// and decides whether the content really changed.

import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface FileWatchOptions {
  readonly path: string;
  /** How often the file is stat()ed (ms). */
  readonly pollIntervalMs: number;
  /**
   * How quiet the file must stay before the change is signalled (ms), so that a writer that
   * truncates and then writes is read once it is done, not in between.
   */
  readonly settleMs: number;
  /** The longest a stream of changes can delay the signal (ms). */
  readonly maxSettleMs: number;
  /** Called on a possible change, never after stop(). */
  readonly onChange: () => void;
}

export class FileWatch {
  private watcher: FSWatcher | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
  /** When the first change of the burst being settled was seen (monotonic ms). */
  private burstStart = 0;
  private signature = '';
  private polling = false;
  private running = false;

  constructor(private readonly options: FileWatchOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.signature = await this.readSignature();
    if (!this.running) return;
    this.openWatcher();
    this.pollTimer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  stop(): void {
    this.running = false;
    this.watcher?.close();
    this.watcher = null;
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.settleTimer = null;
  }

  private openWatcher(): void {
    const name = basename(this.options.path);
    try {
      const watcher = watch(dirname(this.options.path), { persistent: false }, (_event, file) => {
        // Our file, or the kubelet's atomic-writer entries (`..data`, `..2024_01_01...`).
        if (file === null || file === name || file.startsWith('..')) this.signalSoon();
      });
      watcher.on('error', () => {
        // The directory went away or the watcher broke: the poll keeps going and reopens it.
        watcher.close();
        if (this.watcher === watcher) this.watcher = null;
        this.signalSoon();
      });
      this.watcher = watcher;
    } catch {
      this.watcher = null;
    }
  }

  /** Signals once the file has been quiet for settleMs (or after maxSettleMs of changes). */
  private signalSoon(): void {
    if (!this.running) return;
    const now = performance.now();
    if (this.settleTimer === null) this.burstStart = now;
    else clearTimeout(this.settleTimer);
    const delay = Math.min(this.options.settleMs, this.burstStart + this.options.maxSettleMs - now);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (this.running) this.options.onChange();
    }, Math.max(0, delay));
    this.settleTimer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      if (this.watcher === null) this.openWatcher();
      const signature = await this.readSignature();
      if (this.running && signature !== this.signature) {
        this.signature = signature;
        this.signalSoon();
      }
    } finally {
      this.polling = false;
    }
  }

  /** Identity and shape of what the path resolves to now (symlinks followed); 'missing' if nothing. */
  private async readSignature(): Promise<string> {
    try {
      const s = await stat(this.options.path, { bigint: true });
      return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (err) {
      return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
    }
  }
}
