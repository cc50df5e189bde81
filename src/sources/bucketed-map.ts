// An immutable string-keyed map whose next version copies only what changed. Snapshots and zone
// views are immutable maps of every service; copying a 10k-entry Map for each changed service
// made every API event allocate hundreds of kilobytes (large-object garbage that stays resident
// until a full GC). Here the entries sit in a fixed three-level trie indexed by a hash of the key
// (16 x 16 x 16 nodes; each leaf a flat [key, value, key, value...] array of the few keys that
// land there), and a new version copies the path to each changed leaf: one event costs three
// 16-slot arrays and a leaf, a few hundred bytes, and shares everything else with the old
// version. Iteration order is by hash, not by insertion.

const FANOUT = 16;

type Leaf = readonly unknown[];
type Node = readonly (Node | Leaf | undefined)[];

function hashOf(key: string): number {
  // FNV-1a over UTF-16 code units: cheap, and spreads `namespace/name` keys well.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function leafOf(root: Node | undefined, h: number): Leaf | undefined {
  const n1 = root?.[h & 15] as Node | undefined;
  const n2 = n1?.[(h >>> 4) & 15] as Node | undefined;
  return n2?.[(h >>> 8) & 15] as Leaf | undefined;
}

function indexIn(leaf: Leaf | undefined, key: string): number {
  if (leaf === undefined) return -1;
  for (let j = 0; j < leaf.length; j += 2) if (leaf[j] === key) return j;
  return -1;
}

export class BucketedMap<V> implements ReadonlyMap<string, V> {
  static readonly #empty = new BucketedMap<never>(undefined, 0);

  readonly #root: Node | undefined;
  readonly size: number;

  private constructor(root: Node | undefined, size: number) {
    this.#root = root;
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
    const leaf = leafOf(this.#root, hashOf(key));
    const j = indexIn(leaf, key);
    return j < 0 ? undefined : (leaf as Leaf)[j + 1] as V;
  }

  has(key: string): boolean {
    return indexIn(leafOf(this.#root, hashOf(key)), key) >= 0;
  }

  /**
   * A new version with `changes` applied (an undefined value removes the key); this one when
   * there are none. Only the paths to changed leaves are new.
   */
  withChanges(changes: ReadonlyMap<string, V | undefined>): BucketedMap<V> {
    if (changes.size === 0) return this;
    // Nodes copied by this call may be written again by its later changes; the others are shared.
    const copied = new Set<Node>();
    const own = (node: Node | undefined): (Node | Leaf | undefined)[] => {
      if (node !== undefined && copied.has(node)) return node as (Node | Leaf | undefined)[];
      const copy: (Node | Leaf | undefined)[] = node === undefined ? new Array<undefined>(FANOUT).fill(undefined) : node.slice();
      copied.add(copy);
      return copy;
    };
    let root: Node | undefined = this.#root;
    let size = this.size;
    for (const [key, value] of changes) {
      const h = hashOf(key);
      const leaf = leafOf(root, h);
      const j = indexIn(leaf, key);
      if (value === undefined && j < 0) continue;
      const r = own(root);
      root = r;
      const n1 = own(r[h & 15] as Node | undefined);
      r[h & 15] = n1;
      const n2 = own(n1[(h >>> 4) & 15] as Node | undefined);
      n1[(h >>> 4) & 15] = n2;
      let next: unknown[] | undefined;
      if (value === undefined) {
        size--;
        const old = leaf as Leaf;
        next = old.length === 2 ? undefined : old.slice(0, j).concat(old.slice(j + 2));
      } else if (j >= 0) {
        next = (leaf as Leaf).slice();
        next[j + 1] = value;
      } else {
        size++;
        next = leaf === undefined ? [key, value] : leaf.concat([key, value]);
      }
      n2[(h >>> 8) & 15] = next;
    }
    return new BucketedMap(root, size);
  }

  *entries(): MapIterator<[string, V]> {
    for (const n1 of this.#root ?? []) {
      for (const n2 of (n1 as Node | undefined) ?? []) {
        for (const leaf of (n2 as Node | undefined) ?? []) {
          if (leaf === undefined) continue;
          for (let j = 0; j < leaf.length; j += 2) yield [leaf[j] as string, leaf[j + 1] as V];
        }
      }
    }
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
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
