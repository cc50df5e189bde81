// BucketedMap against a plain Map doing the same edits: same entries, sizes and lookups; a new
// version leaves the old one as it was; no change gives the same version back.

import { describe, expect, it } from 'vitest';
import { BucketedMap, BucketedMapEdit } from '../../src/sources/bucketed-map.js';

function sorted<V>(m: ReadonlyMap<string, V>): [string, V][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('BucketedMap', () => {
  it('follows a plain Map through random edits, older versions unchanged', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let map = BucketedMap.empty<number>();
    const model = new Map<string, number>();
    for (let round = 0; round < 200; round++) {
      const before = map;
      const beforeEntries = sorted(before);
      const changes = new Map<string, number | undefined>();
      for (let k = random(20); k >= 0; k--) changes.set(`ns${random(5)}/svc${random(400)}`, random(3) === 0 ? undefined : round);
      map = map.withChanges(changes);
      for (const [key, value] of changes) {
        if (value === undefined) model.delete(key);
        else model.set(key, value);
      }
      expect(map.size).toBe(model.size);
      expect(sorted(map)).toEqual(sorted(model));
      expect(sorted(before)).toEqual(beforeEntries);
      for (const key of changes.keys()) {
        expect(map.get(key)).toBe(model.get(key));
        expect(map.has(key)).toBe(model.has(key));
      }
    }
    expect([...map.keys()].sort()).toEqual([...model.keys()].sort());
    expect([...map.values()].length).toBe(model.size);
    let seen = 0;
    map.forEach((v, k, m) => {
      expect(model.get(k)).toBe(v);
      expect(m).toBe(map);
      seen++;
    });
    expect(seen).toBe(model.size);
  });

  it('gives the same version back for no change; from() takes any entries', () => {
    const map = BucketedMap.from([['a/b', 1], ['c/d', 2]]);
    expect(map.withChanges(new Map())).toBe(map);
    expect(BucketedMap.from(map)).toBe(map);
    expect(new Map(map)).toEqual(new Map([['a/b', 1], ['c/d', 2]]));
    expect(map.withChanges(new Map([['x/y', undefined]])).size).toBe(2);
  });

  it('an edit reads through to its base and finishes as a new version', () => {
    const base = BucketedMap.from([['a', 1], ['b', 2]]);
    const edit = new BucketedMapEdit(base);
    edit.delete('a');
    edit.set('c', 3);
    expect(edit.get('a')).toBeUndefined();
    expect(edit.get('b')).toBe(2);
    expect(edit.get('c')).toBe(3);
    const next = edit.finish();
    expect(sorted(next)).toEqual([['b', 2], ['c', 3]]);
    expect(sorted(base)).toEqual([['a', 1], ['b', 2]]);
  });
});
