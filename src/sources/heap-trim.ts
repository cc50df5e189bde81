// Hands back to the OS the V8 heap that a large list left committed. Listing 10k ServiceImports
// and their EndpointSlices makes V8 grow its young generation to its maximum (it grows whenever
// much of what it allocates survives, and converted records do) and fills the old generation with
// the pages' garbage; a server that then sits idle runs no further GC, so that memory (over half
// the process at 10k services) stays resident for good. One memory-reducing full GC, asked for
// once the list is converted, shrinks the young generation and releases the free pages.
//
// Node offers that GC only through `gc()`, which exists only under --expose-gc. Rather than asking
// every deployment for a V8 flag, the function is fetched once from a throwaway vm context with
// the flag switched on for that moment only and switched back off (a process started with
// --expose-gc keeps its own `gc` and its flag untouched): nothing else in the process sees a change.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface GcOptions {
  readonly type: 'major';
  readonly execution: 'sync';
  /** 'last-resort': V8's memory-reducing collection (several rounds, compaction, shrunk young generation). */
  readonly flavor: 'last-resort';
}
type GcFunction = (options: GcOptions) => void;

function gcFunction(): GcFunction | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as GcFunction;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    return typeof fn === 'function' ? (fn as GcFunction) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * A function that runs one memory-reducing full GC, blocking for its duration, and returns false
 * when this runtime offers none. The GC function is fetched on the first call and kept.
 */
export function heapTrimmer(): () => boolean {
  let gc: GcFunction | null | undefined;
  return () => {
    if (gc === undefined) gc = gcFunction();
    if (gc === null) return false;
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    return true;
  };
}
