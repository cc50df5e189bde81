// trimHeap runs V8's memory-reducing GC without the process having been started with --expose-gc,
// and leaves no `gc` behind: contexts created afterwards do not see one.

import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { heapTrimmer } from '../../src/sources/heap-trim.js';

describe('trimHeap', () => {
  it('collects, and exposes gc nowhere afterwards', () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    const trimHeap = heapTrimmer();
    expect(trimHeap()).toBe(true);
    expect(trimHeap()).toBe(true);
    if (!hadGc) {
      expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
      expect(runInNewContext('typeof gc')).toBe('undefined');
    }
  });
});
