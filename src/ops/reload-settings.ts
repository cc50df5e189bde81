// What the `reload` directive configures, and how the settings of several blocks combine: the
// Corefile is one file, so one watcher serves the process; the most eager block wins.

export interface ReloadSettings {
  /** Milliseconds between checks, before jitter. */
  readonly intervalMs: number;
  /** Each check happens at interval ± jitter/2 (CoreDNS's spread); 0 disables the spread. */
  readonly jitterMs: number;
}

export const DEFAULT_RELOAD: ReloadSettings = Object.freeze({ intervalMs: 30_000, jitterMs: 15_000 });
export const MIN_RELOAD_INTERVAL_MS = 2_000;
export const MIN_RELOAD_JITTER_MS = 1_000;

/** The settings the watcher should run with, or null when no block has `reload`. */
export function combineReloadSettings(blocks: readonly { readonly reload?: ReloadSettings }[]): ReloadSettings | null {
  let best: ReloadSettings | null = null;
  for (const b of blocks) {
    if (b.reload !== undefined && (best === null || b.reload.intervalMs < best.intervalMs)) best = b.reload;
  }
  return best;
}
