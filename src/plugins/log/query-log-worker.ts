// The query-log worker thread: takes the records the main thread put in the ring, makes their
// lines (the same code the main thread would run) and writes them to the log's file descriptor.
// It wakes when the main thread rings (every 256 records) and otherwise every FLUSH_AFTER_MS, so a
// line is written at most that long after its query; on STOP it writes what is left and ends.

import { parentPort, workerData } from 'node:worker_threads';
import { FdLineWriter } from './fd-line-writer.js';
import { compileFormat } from './format.js';
import { FLUSH_AFTER_MS, QueryLogLines } from './json-line.js';
import { BELL, HEAD, RingReader, STOP, TAIL, type RingMemory } from './record-ring.js';

export interface QueryLogWorkerData {
  readonly memory: RingMemory;
  readonly fd: number;
  /** `,"key":value` for each of the logger's bindings. */
  readonly bindings: string;
  /** The FORMATs, in the order of the records' format index. */
  readonly formats: readonly string[];
}

function run(data: QueryLogWorkerData): void {
  const reader = new RingReader(data.memory);
  const formats = data.formats.map(compileFormat);
  const lines = new QueryLogLines(
    new FdLineWriter(data.fd, (message) => parentPort?.postMessage(message)),
    data.bindings,
  );
  const control = reader.control;
  let tail = Atomics.load(control, TAIL);
  const done = (): void => {
    Atomics.store(control, TAIL, tail);
    Atomics.notify(control, TAIL);
  };
  for (;;) {
    const head = Atomics.load(control, HEAD);
    while (tail !== head) {
      const format = reader.read(tail, lines.next());
      lines.commit(formats[format]!, reader.timeOf(tail));
      tail = (tail + 1) | 0;
      // A full batch was just written: its slots are free again.
      if (lines.pending === 0) done();
    }
    lines.flush();
    done();
    if (Atomics.load(control, STOP) === 1 && Atomics.load(control, HEAD) === tail) return;
    Atomics.wait(control, BELL, 0, FLUSH_AFTER_MS);
  }
}

run(workerData as QueryLogWorkerData);
