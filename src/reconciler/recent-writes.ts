// What this replica wrote recently, consulted before the informer caches until they catch up.
// Without it a reconcile triggered by another cluster's event can read a cache that does not yet
// hold our own last write, and answer it with a stale update (409) or a duplicate create.

import type { KubeObject } from './objects.js';

interface Entry {
  readonly obj: KubeObject | null;
  readonly at: number;
}

function rvNumber(obj: KubeObject | null | undefined): bigint | null {
  const rv = obj?.metadata?.resourceVersion;
  return rv !== undefined && /^\d+$/.test(rv) ? BigInt(rv) : null;
}

/** The group of a key: everything before its last '/' (cluster, resource and namespace). */
function groupOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

export class RecentWrites {
  private readonly entries = new Map<string, Entry>();
  /** Keys by group, so that listing one namespace's entries does not scan every entry. */
  private readonly groups = new Map<string, Set<string>>();
  private lastSweep = 0;

  constructor(private readonly ttlMs = 5_000) {}

  record(key: string, obj: KubeObject | null, now: number): void {
    this.entries.set(key, { obj, at: now });
    const g = groupOf(key);
    let keys = this.groups.get(g);
    if (keys === undefined) this.groups.set(g, (keys = new Set()));
    keys.add(key);
    // Entries of keys nobody looks at again would otherwise stay forever, each holding an object.
    if (now - this.lastSweep > this.ttlMs) this.sweep(now);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [k, e] of this.entries) if (now - e.at > this.ttlMs) this.drop(k);
  }

  private drop(key: string): void {
    this.entries.delete(key);
    const g = groupOf(key);
    const keys = this.groups.get(g);
    keys?.delete(key);
    if (keys?.size === 0) this.groups.delete(g);
  }

  /**
   * The object to believe for `key`: our write while the cache has not caught up with it, else
   * the cached one. `undefined` means "no opinion" (use the cache).
   */
  resolve(key: string, cached: KubeObject | undefined, now: number): KubeObject | null | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (now - e.at > this.ttlMs || this.caughtUp(e, cached)) {
      this.drop(key);
      return undefined;
    }
    return e.obj;
  }

  /** The entries of one group (a prefix ending in '/': cluster, resource and namespace), for list lookups. */
  under(prefix: string, now: number): Array<[string, KubeObject | null]> {
    const out: Array<[string, KubeObject | null]> = [];
    for (const k of [...(this.groups.get(prefix) ?? [])]) {
      const e = this.entries.get(k);
      if (e === undefined) continue;
      if (now - e.at > this.ttlMs) this.drop(k);
      else out.push([k, e.obj]);
    }
    return out;
  }

  /** Drops an entry once the cache holds our write or something newer. */
  settle(key: string, cached: KubeObject | undefined): void {
    const e = this.entries.get(key);
    if (e !== undefined && this.caughtUp(e, cached)) this.drop(key);
  }

  /** Our belief turned out wrong (a write failed, or the object was deleted): trust the cache again. */
  forget(key: string): void {
    this.drop(key);
  }

  /** A delete event for this object: our written state of it is gone, unless we wrote a newer one. */
  deleted(key: string, obj: KubeObject): void {
    const e = this.entries.get(key);
    if (e?.obj != null && e.obj.metadata?.uid === obj.metadata?.uid) this.drop(key);
  }

  size(): number {
    return this.entries.size;
  }

  private caughtUp(e: Entry, cached: KubeObject | undefined): boolean {
    if (e.obj === null) return cached === undefined;
    if (cached === undefined) return false;
    if (cached.metadata?.uid !== e.obj.metadata?.uid) return true; // re-created by someone since
    const mine = rvNumber(e.obj);
    const theirs = rvNumber(cached);
    if (mine === null || theirs === null) return cached.metadata?.resourceVersion === e.obj.metadata?.resourceVersion;
    return theirs >= mine;
  }
}
