// How the query-log worker writes its batches to the log's file descriptor, which the main thread's
// logger writes to as well: in pieces of at most PIPE_BUF bytes cut at line ends, since a write
// that size to a pipe (a container's stdout) is atomic and so never interleaves with a line the
// main thread writes at the same time. A full non-blocking pipe is waited out; any other error
// drops the piece and is reported once per error code.

import { writeSync } from 'node:fs';
import type { LineSink } from './line-sink.js';

/** POSIX's PIPE_BUF on Linux. */
export const PIPE_BUF = 4096;
const NEWLINE = 0x0a;

export class FdLineWriter implements LineSink {
  readonly #reported = new Set<string>();
  readonly #nap = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly fd: number,
    private readonly report: (message: string) => void,
  ) {}

  write(bytes: Buffer): void {
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.length;
      if (end - start > PIPE_BUF) {
        const nl = bytes.lastIndexOf(NEWLINE, start + PIPE_BUF - 1);
        // A line longer than PIPE_BUF goes alone, whole.
        end = nl >= start ? nl + 1 : bytes.indexOf(NEWLINE, start + PIPE_BUF) + 1 || bytes.length;
      }
      this.#writeAll(bytes, start, end);
      start = end;
    }
  }

  #writeAll(bytes: Buffer, start: number, end: number): void {
    let at = start;
    while (at < end) {
      try {
        at += writeSync(this.fd, bytes, at, end - at);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        if (code === 'EAGAIN') {
          // Off the main thread, waiting for the reader is fine.
          Atomics.wait(this.#nap, 0, 0, 1);
          continue;
        }
        if (!this.#reported.has(code)) {
          this.#reported.add(code);
          this.report(`query log: writing to fd ${this.fd} failed (${(e as Error).message}); lines are being lost`);
        }
        return;
      }
    }
  }
}
