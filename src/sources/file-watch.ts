// Noticing that a file may have changed. fs.watch on the file's directory catches in-place
// writes, editors that replace the file by rename, and Kubernetes ConfigMap volumes (which swap a
// `..data` symlink); a stat poll catches what the platform's watcher misses (network file
// systems, a watcher that died with its directory). It only signals; the owner reads the file
// and decides whether the content really changed.

import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface FileWatchOptions {
  readonly path: string;
  /** How often the file is stat()ed (ms). */
  readonly pollIntervalMs: number;
  /** How long a burst of watch events is gathered before signalling (ms). */
  readonly settleMs: number;
  /** Called (never concurrently with itself by this class, never after stop()) on a possible change. */
  readonly onChange: () => void;
}

export class FileWatch {
  private watcher: FSWatcher | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
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

  private signalSoon(): void {
    if (!this.running || this.settleTimer !== null) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (this.running) this.options.onChange();
    }, this.options.settleMs);
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
        this.options.onChange();
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
