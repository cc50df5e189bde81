// A credential file read once up front (so a missing file is a setup error) and then again at
// most every `maxAgeMs`, because bound service-account tokens and certificates rotate on disk.
// A failed re-read keeps the last good content: a file being replaced must not break requests.

import { readFileSync } from 'node:fs';

export const DEFAULT_REREAD_MS = 60_000;

export class RefreshingFile {
  private content: Buffer;
  private readAt: number;

  /** Throws what readFileSync throws when the file cannot be read now. */
  constructor(
    readonly path: string,
    private readonly now: () => number,
    private readonly maxAgeMs: number = DEFAULT_REREAD_MS,
  ) {
    this.content = readFileSync(path);
    this.readAt = now();
  }

  get(): Buffer {
    const now = this.now();
    if (now - this.readAt >= this.maxAgeMs) {
      this.readAt = now;
      try {
        this.content = readFileSync(this.path);
      } catch {
        // Keep serving the last good content; the next period tries again.
      }
    }
    return this.content;
  }
}
