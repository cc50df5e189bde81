import { describe, expect, it } from 'vitest';
import { RecentWrites } from '../../src/reconciler/recent-writes.js';
import type { KubeObject } from '../../src/reconciler/objects.js';

const obj = (uid: string, rv: string): KubeObject => ({ metadata: { name: 'x', namespace: 'ns', uid, resourceVersion: rv } });

describe('RecentWrites', () => {
  const cases: Array<{ name: string; written: KubeObject | null; cached: KubeObject | undefined; age: number; want: 'mine' | 'cache' }> = [
    { name: 'cache lags behind our update', written: obj('u', '10'), cached: obj('u', '7'), age: 0, want: 'mine' },
    { name: 'cache caught up', written: obj('u', '10'), cached: obj('u', '10'), age: 0, want: 'cache' },
    { name: 'cache has a newer version', written: obj('u', '10'), cached: obj('u', '12'), age: 0, want: 'cache' },
    { name: 'cache lags behind our create', written: obj('u', '10'), cached: undefined, age: 0, want: 'mine' },
    { name: 'cache lags behind our delete', written: null, cached: obj('u', '7'), age: 0, want: 'mine' },
    { name: 'delete seen by the cache', written: null, cached: undefined, age: 0, want: 'cache' },
    { name: 're-created by someone else', written: obj('u', '10'), cached: obj('v', '3'), age: 0, want: 'cache' },
    { name: 'entry expired', written: obj('u', '10'), cached: obj('u', '7'), age: 6_000, want: 'cache' },
  ];
  it.each(cases)('$name', ({ written, cached, age, want }) => {
    const r = new RecentWrites(5_000);
    r.record('k', written, 1_000);
    const got = r.resolve('k', cached, 1_000 + age);
    if (want === 'cache') expect(got).toBeUndefined();
    else expect(got).toBe(written);
  });

  it('forgets on failure and on a delete event of the written object', () => {
    const r = new RecentWrites();
    r.record('a', obj('u', '10'), 0);
    r.forget('a');
    expect(r.resolve('a', undefined, 0)).toBeUndefined();
    r.record('b', obj('u', '10'), 0);
    r.deleted('b', obj('other', '11'));
    expect(r.resolve('b', undefined, 0)).not.toBeUndefined();
    r.deleted('b', obj('u', '11'));
    expect(r.resolve('b', undefined, 0)).toBeUndefined();
  });

  it('lists one group without the others, and sweeps expired entries nobody asks about', () => {
    const r = new RecentWrites(5_000);
    r.record('c1|endpointslices|ns/a', obj('u1', '1'), 0);
    r.record('c1|endpointslices|ns/b', obj('u2', '1'), 0);
    r.record('c1|endpointslices|other/c', obj('u3', '1'), 0);
    r.record('c2|endpointslices|ns/d', obj('u4', '1'), 0);
    expect(r.under('c1|endpointslices|ns/', 0).map(([k]) => k).sort()).toEqual(['c1|endpointslices|ns/a', 'c1|endpointslices|ns/b']);
    expect(r.size()).toBe(4);
    // A write after the time-to-live sweeps every expired entry, asked about or not.
    r.record('c3|services|ns/e', obj('u5', '1'), 6_000);
    expect(r.size()).toBe(1);
    expect(r.under('c1|endpointslices|ns/', 6_000)).toEqual([]);
  });
});
