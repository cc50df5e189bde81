// An immutable string-keyed map whose next version copies only what changed. Snapshots and zone
// views are immutable maps of every service; copying a 10k-entry Map for each changed service
// made every API event allocate hundreds of kilobytes (large-object garbage that stays resident
// until a full GC). Here the entries are spread over a fixed number of small buckets by a hash of
// the key, and a new version shares every bucket the changes do not touch: one event costs one
// bucket array and the buckets it lands in. Iteration order is by bucket, not by insertion.

const BUCKETS = 256;

type Bucket<V> = ReadonlyMap<string, V>;

function bucketOf(key: string): number {
  // FNV-1a over UTF-16 code units: cheap, and spreads `namespace/name` keys well.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % BUCKETS;
}

export class BucketedMap<V> implements ReadonlyMap<string, V> {
  static readonly #empty = new BucketedMap<never>(new Array<undefined>(BUCKETS).fill(undefined), 0);

  readonly #buckets: readonly (Bucket<V> | undefined)[];
  readonly size: number;

  private constructor(buckets: readonly (Bucket<V> | undefined)[], size: number) {
    this.#buckets = buckets;
    this.size = size;
    Object.freeze(this);
  }

  static empty<V>(): BucketedMap<V> {
    return BucketedMap.#empty as BucketedMap<V>;
  }

  static from<V>(entries: Iterable<readonly [string, V]>): BucketedMap<V> {
    if (entries instanceof BucketedMap) return entries as BucketedMap<V>;
    const changes = new Map<string, V>();
    for (const [k, v] of entries) changes.set(k, v);
    return BucketedMap.empty<V>().withChanges(changes);
  }

  get(key: string): V | undefined {
    return this.#buckets[bucketOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.#buckets[bucketOf(key)]?.has(key) ?? false;
  }

  /**
   * A new version with `changes` applied (an undefined value removes the key); this one when
   * there are none. Untouched buckets are shared with this version.
   */
  withChanges(changes: ReadonlyMap<string, V | undefined>): BucketedMap<V> {
    if (changes.size === 0) return this;
    const byBucket = new Map<number, [string, V | undefined][]>();
    for (const [key, value] of changes) {
      const b = bucketOf(key);
      const list = byBucket.get(b);
      if (list === undefined) byBucket.set(b, [[key, value]]);
      else list.push([key, value]);
    }
    const buckets = this.#buckets.slice();
    let size = this.size;
    for (const [b, edits] of byBucket) {
      const next = new Map(buckets[b]);
      for (const [key, value] of edits) {
        const had = next.has(key);
        if (value === undefined) {
          if (had) size--;
          next.delete(key);
        } else {
          if (!had) size++;
          next.set(key, value);
        }
      }
      buckets[b] = next.size === 0 ? undefined : next;
    }
    return new BucketedMap(buckets, size);
  }

  *entries(): MapIterator<[string, V]> {
    for (const bucket of this.#buckets) if (bucket !== undefined) yield* bucket.entries();
  }

  *keys(): MapIterator<string> {
    for (const bucket of this.#buckets) if (bucket !== undefined) yield* bucket.keys();
  }

  *values(): MapIterator<V> {
    for (const bucket of this.#buckets) if (bucket !== undefined) yield* bucket.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}

/**
 * Edits on top of a BucketedMap, read through: what the zone view's reverse index needs while it
 * removes and adds a changed service's addresses. finish() gives the new version.
 */
export class BucketedMapEdit<V> {
  readonly #changes = new Map<string, V | undefined>();

  constructor(private readonly base: BucketedMap<V>) {}

  get(key: string): V | undefined {
    return this.#changes.has(key) ? this.#changes.get(key) : this.base.get(key);
  }

  set(key: string, value: V): void {
    this.#changes.set(key, value);
  }

  delete(key: string): void {
    this.#changes.set(key, undefined);
  }

  finish(): BucketedMap<V> {
    return this.base.withChanges(this.#changes);
  }
}
