// Where the query log's batches go. When the logger writes synchronously to a file descriptor
// (pino.destination({ sync: true }), as the CLI sets it up), a batch is encoded once into a reused
// buffer and written with fs.writeSync: sonic-boom's own write measures and re-encodes a string
// four times over, which cost more than building the lines. Anything else (a stream, an
// asynchronous destination, a test's sink) gets the text through its own write().

import { writeSync } from 'node:fs';

export interface Destination {
  write(text: string): unknown;
}

export interface LineSink {
  write(text: string): void;
}

/** sonic-boom's public shape in synchronous mode. */
interface SyncFdDestination extends Destination {
  readonly fd: number;
  readonly sync: boolean;
}

function isSyncFd(d: Destination): d is SyncFdDestination {
  const x = d as Partial<SyncFdDestination>;
  return typeof x.fd === 'number' && x.fd >= 0 && x.sync === true;
}

class FdSink implements LineSink {
  /** Batches are flushed past 16 Ki characters plus at most one line; three bytes each at worst. */
  readonly #buf = Buffer.allocUnsafe(96 * 1024);

  constructor(private readonly destination: SyncFdDestination) {}

  write(text: string): void {
    const bytes = text.length * 3 <= this.#buf.length ? this.#buf.subarray(0, this.#buf.write(text, 0, 'utf8')) : Buffer.from(text, 'utf8');
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
  return { write: (text) => void destination.write(text) };
}
