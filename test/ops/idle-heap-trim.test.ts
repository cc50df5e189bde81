// The idle heap trim decides from the event loop's business and RSS: it trims when the loop was
// quiet and RSS grew 8 MB since its lowest point, never while busy, and once per growth.

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { IdleHeapTrim } from '../../src/ops/idle-heap-trim.js';

const MB = 1024 * 1024;

function setup(rssMb: number): { trim: IdleHeapTrim; state: { busy: number; rss: number; trims: number; dropTo: number } } {
  const state = { busy: 0, rss: rssMb * MB, trims: 0, dropTo: rssMb * MB };
  const trim = new IdleHeapTrim({
    logger: pino({ level: 'silent' }),
    probe: { busy: () => state.busy, rssBytes: () => state.rss },
    trim: () => {
      state.trims++;
      state.rss = state.dropTo;
      return true;
    },
  });
  return { trim, state };
}

describe('idle heap trim', () => {
  it('trims once the loop is quiet after RSS grew 8 MB, then waits for another 8 MB', () => {
    const { trim, state } = setup(80);
    state.rss = 87 * MB;
    expect(trim.tick()).toBe(false); // grew 7 MB only
    state.rss = 130 * MB;
    state.busy = 0.6;
    expect(trim.tick()).toBe(false); // busy: never while it serves
    state.busy = 0.01;
    state.dropTo = 82 * MB;
    expect(trim.tick()).toBe(true);
    expect(state.rss).toBe(82 * MB);
    expect(trim.tick()).toBe(false); // nothing grew since
    state.rss = 89 * MB;
    expect(trim.tick()).toBe(false);
    state.rss = 90 * MB;
    state.dropTo = 83 * MB;
    expect(trim.tick()).toBe(true);
    expect(state.trims).toBe(2);
  });

  it('counts growth from the lowest RSS seen, so a fall then a rise trims again', () => {
    const { trim, state } = setup(100);
    state.rss = 70 * MB; // the memory reducer gave some back on its own
    expect(trim.tick()).toBe(false);
    state.rss = 79 * MB;
    state.dropTo = 71 * MB;
    expect(trim.tick()).toBe(true);
  });

  it('on a runtime without the GC it stops looking', () => {
    let asked = 0;
    let rss = 80 * MB;
    const trim = new IdleHeapTrim({ logger: pino({ level: 'silent' }), probe: { busy: () => 0, rssBytes: () => rss }, trim: () => (asked++, false) });
    rss = 200 * MB;
    expect(trim.tick()).toBe(false);
    expect(trim.tick()).toBe(false);
    expect(asked).toBe(1);
  });
});
