// The objects file's parse off the main thread: a worker that turns the file's text into collected
// records (objects-file-parse.ts, objects-file-collect.ts) and posts them back in small batches,
// so that no single message takes the main thread long to receive. YAML parsing of a large file
// takes seconds; here it costs the query thread nothing.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { collectObjects } from './objects-file-collect.js';
import { parseObjectsText } from './objects-file-parse.js';
import type { WorkerMessage } from './objects-file-load.js';

/** Records per message: a few hundred small records deserialize in well under a millisecond. */
const BATCH = 500;

const port = parentPort!;
const post = (m: WorkerMessage): void => port.postMessage(m);

// The file is read and hashed here too: decoding and hashing megabytes would cost the main thread
// tens of milliseconds each. The main thread stops the worker when the hash says nothing changed.
const text = readFileSync((workerData as { path: string }).path, 'utf8');
post({ kind: 'hash', hash: createHash('sha256').update(text).digest('hex') });
const parsed = parseObjectsText(text);
if (!parsed.ok) {
  post({ kind: 'error', error: parsed.error, line: parsed.line });
} else {
  const c = collectObjects(parsed.objects);
  for (let i = 0; i < c.imports.length; i += BATCH) post({ kind: 'imports', records: c.imports.slice(i, i + BATCH) });
  for (let i = 0; i < c.slices.length; i += BATCH) post({ kind: 'slices', records: c.slices.slice(i, i + BATCH) });
  for (let i = 0; i < c.problems.length; i += BATCH) post({ kind: 'problems', records: c.problems.slice(i, i + BATCH) });
  post({ kind: 'done', namespaces: c.namespaces, localCluster: c.localCluster });
}
