// Reconnect backoff: doubling steps, the cap, jitter inside the upper half of a step, reset.

import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/k8s/backoff.js';

describe('Backoff', () => {
  it('doubles from initialMs to maxMs and starts over after reset', () => {
    const top = new Backoff({ initialMs: 1000, maxMs: 30_000 }, () => 1);
    expect(Array.from({ length: 7 }, () => top.next())).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    top.reset();
    expect(top.next()).toBe(1000);
    const bottom = new Backoff({ initialMs: 1000, maxMs: 30_000 }, () => 0);
    expect(Array.from({ length: 3 }, () => bottom.next())).toEqual([500, 1000, 2000]);
  });

  it('rejects nonsense settings', () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow();
    expect(() => new Backoff({ initialMs: 100, maxMs: 10 })).toThrow();
  });
});
