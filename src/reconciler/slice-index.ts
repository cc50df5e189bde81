// EndpointSlices of one cache grouped by namespace and the service they belong to (a label), kept
// current from the cache's events, so that observing one key reads its few slices instead of
// scanning every slice of the cluster (which grows with every Service nobody exports).

import type { CacheEvent } from './caches.js';
import type { KubeObject } from './objects.js';

export class SliceIndex {
  private readonly groups = new Map<string, Map<string, KubeObject>>();

  constructor(private readonly label: string) {}

  /** The slices labelled `name` in `namespace` (the same array is not kept: callers may keep it). */
  get(namespace: string, name: string): KubeObject[] {
    const g = this.groups.get(`${namespace}/${name}`);
    return g === undefined ? [] : [...g.values()];
  }

  apply(events: ReadonlyArray<CacheEvent<KubeObject>>): void {
    for (const e of events) {
      if (e.old !== undefined) this.remove(e.old);
      if (e.type !== 'delete') this.add(e.object);
    }
  }

  private groupKey(obj: KubeObject): string | null {
    const v = obj.metadata?.labels?.[this.label];
    return v === undefined ? null : `${obj.metadata?.namespace ?? ''}/${v}`;
  }

  private add(obj: KubeObject): void {
    const k = this.groupKey(obj);
    if (k === null) return;
    let g = this.groups.get(k);
    if (g === undefined) this.groups.set(k, (g = new Map()));
    g.set(obj.metadata?.name ?? '', obj);
  }

  private remove(obj: KubeObject): void {
    const k = this.groupKey(obj);
    if (k === null) return;
    const g = this.groups.get(k);
    if (g === undefined) return;
    g.delete(obj.metadata?.name ?? '');
    if (g.size === 0) this.groups.delete(k);
  }
}
