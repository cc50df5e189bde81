// Where the batches (UTF-8 bytes) of the query log made on the main thread go. When the logger
// writes synchronously to a file descriptor (pino.destination({ sync: true }), as the CLI sets it
// up, when the query-log worker is not running), the bytes are written with fs.writeSync as they
// are: sonic-boom's own write takes only strings and measures and re-encodes each four times over,
// which cost more than building the lines. Anything else (a stream, an asynchronous destination,
// a test's sink) gets the text through its own write(). (The worker writes with fd-line-writer.ts.)

import { writeSync } from 'node:fs';

export interface Destination {
  write(text: string): unknown;
}

export interface LineSink {
  write(bytes: Buffer): void;
}

/** sonic-boom's public shape in synchronous mode. */
export interface SyncFdDestination extends Destination {
  readonly fd: number;
  readonly sync: boolean;
}

export function isSyncFd(d: Destination): d is SyncFdDestination {
  const x = d as Partial<SyncFdDestination>;
  return typeof x.fd === 'number' && x.fd >= 0 && x.sync === true;
}

class FdSink implements LineSink {
  constructor(private readonly destination: SyncFdDestination) {}

  write(bytes: Buffer): void {
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.destination.fd, bytes, done, bytes.length - done);
    } catch {
      // EAGAIN on a full pipe, EPIPE, ...: the destination knows how to wait, retry or report.
      this.destination.write(bytes.subarray(done).toString('utf8'));
    }
  }
}

export function lineSinkFor(destination: Destination): LineSink {
  if (isSyncFd(destination)) return new FdSink(destination);
  return { write: (bytes) => void destination.write(bytes.toString('utf8')) };
}
