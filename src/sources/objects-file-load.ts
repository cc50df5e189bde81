// From the objects file to collected records without holding up the main thread: a small file's
// text is parsed in place (tens of milliseconds at most), a larger file is read, hashed and parsed
// in a worker thread (objects-file-worker.ts) that sends its records back in batches. Either way
// the result is the same CollectedObjects, or the YAML error with its line.

import { Worker } from 'node:worker_threads';
import type { ImportRecord, SliceRecord } from './model.js';
import { collectObjects, type CollectedObjects, type ObjectProblem } from './objects-file-collect.js';
import { parseObjectsText } from './objects-file-parse.js';

/**
 * Below this many characters the text is parsed on the main thread: YAML parses at about 2 MB/s
 * here, so this is about 30 ms, less than starting a worker costs.
 */
export const IN_THREAD_MAX_CHARS = 64 * 1024;

export type WorkerMessage =
  | { readonly kind: 'hash'; readonly hash: string }
  | { readonly kind: 'error'; readonly error: string; readonly line: number }
  | { readonly kind: 'imports'; readonly records: readonly ImportRecord[] }
  | { readonly kind: 'slices'; readonly records: readonly SliceRecord[] }
  | { readonly kind: 'problems'; readonly records: readonly ObjectProblem[] }
  | { readonly kind: 'done'; readonly namespaces: readonly string[]; readonly localCluster: string | null };

export type Loaded =
  | { readonly ok: true; readonly collected: CollectedObjects }
  | { readonly ok: false; readonly error: string; readonly line: number };

/** The text of a small file, parsed here. */
export function loadObjectsText(text: string): Loaded {
  const parsed = parseObjectsText(text);
  return parsed.ok ? { ok: true, collected: collectObjects(parsed.objects) } : parsed;
}

/** The worker's module: compiled JavaScript next to this file, or (tests, tsx) the TypeScript source. */
function workerModule(): { url: URL; execArgv: string[] } {
  return import.meta.url.endsWith('.ts')
    ? { url: new URL('./objects-file-worker.ts', import.meta.url), execArgv: ['--import', 'tsx'] }
    : { url: new URL('./objects-file-worker.js', import.meta.url), execArgv: [] };
}

export type FileLoaded = (Loaded & { readonly hash: string }) | { readonly ok: 'unchanged' } | { readonly ok: false; readonly error: string; readonly line: number };

/**
 * A large file, read, hashed and parsed in a worker; `unchanged` (the worker stopped early) when
 * its hash is `appliedHash`.
 */
export function loadFileInWorker(path: string, appliedHash: string): Promise<FileLoaded> {
  const { url, execArgv } = workerModule();
  return new Promise<FileLoaded>((resolve) => {
    const worker = new Worker(url, { workerData: { path }, execArgv, stdout: false, stderr: false });
    let hash = '';
    const imports: ImportRecord[] = [];
    const slices: SliceRecord[] = [];
    const problems: ObjectProblem[] = [];
    let settled = false;
    const finish = (result: FileLoaded): void => {
      if (settled) return;
      settled = true;
      resolve(result);
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.kind) {
        case 'hash':
          hash = m.hash;
          if (hash === appliedHash) finish({ ok: 'unchanged' });
          return;
        case 'error':
          return finish({ ok: false, error: m.error, line: m.line });
        case 'imports':
          for (const r of m.records) imports.push(r);
          return;
        case 'slices':
          for (const r of m.records) slices.push(r);
          return;
        case 'problems':
          for (const r of m.records) problems.push(r);
          return;
        case 'done':
          return finish({ ok: true, hash, collected: { imports, slices, problems, namespaces: m.namespaces, localCluster: m.localCluster } });
      }
    });
    worker.on('error', (err) => finish({ ok: false, error: `parser worker failed: ${err.message}`, line: 0 }));
    worker.on('exit', (code) => finish({ ok: false, error: `parser worker exited (${code}) before it finished`, line: 0 }));
  });
}
