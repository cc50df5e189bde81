// FileWatch on its own: the stat poll notices what the directory watcher cannot (here the
// directory does not exist when watching starts), and nothing is signalled after stop().

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileWatch } from '../../src/sources/file-watch.js';

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('FileWatch', () => {
  let dir: string;
  let watches: FileWatch[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-watch-'));
    watches = [];
  });
  afterEach(async () => {
    for (const w of watches) w.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (path: string, onChange: () => void, settleMs = 20): Promise<FileWatch> => {
    const w = new FileWatch({ path, pollIntervalMs: 50, settleMs, maxSettleMs: 5 * settleMs, onChange });
    watches.push(w);
    await w.start();
    return w;
  };

  it('notices a file appearing in a directory that did not exist (poll, then watcher)', async () => {
    const sub = join(dir, 'later');
    const path = join(sub, 'objects.yaml');
    let signals = 0;
    await start(path, () => signals++);
    await mkdir(sub);
    await writeFile(path, 'a: 1\n');
    await waitFor('the first signal', () => signals > 0);
    const seen = signals;
    await writeFile(path, 'a: 2\n');
    await waitFor('the second signal', () => signals > seen);
  });

  it('ignores other files in the directory', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, 'a: 1\n');
    let signals = 0;
    await start(path, () => signals++);
    await writeFile(join(dir, 'unrelated.txt'), 'x');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(signals).toBe(0);
  });

  it('signals once for a burst of writes, and never after stop()', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, 'a: 0\n');
    let signals = 0;
    // A settle time far above what five small writes take, even on a loaded machine.
    const w = await start(path, () => signals++, 1000);
    for (let i = 1; i <= 5; i++) await writeFile(path, `a: ${i}\n`);
    await waitFor('a signal', () => signals > 0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(signals).toBeLessThanOrEqual(2); // one for the burst (a late poll may add one)
    w.stop();
    w.stop();
    const after = signals;
    await writeFile(path, 'a: 9\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(signals).toBe(after);
  });
});
