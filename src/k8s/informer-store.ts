// The informer's view of one resource: objects by namespace/name, replaced wholesale from a list
// (returning the difference as events) or changed one watch event at a time.

import type { KubernetesObject } from '@kubernetes/client-node';

export interface InformerEvent<T> {
  readonly type: 'add' | 'update' | 'delete';
  readonly object: T;
  /** The previous state, for update and delete. */
  readonly old?: T;
}

export function objectKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function keyOf(obj: KubernetesObject): string {
  return objectKey(obj.metadata?.namespace, obj.metadata?.name);
}

export class InformerStore<T extends KubernetesObject> {
  private objects = new Map<string, T>();
  private listCache: T[] | null = null;

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(objectKey(namespace, name));
  }

  /** All objects; the same array until the next change. */
  list(): T[] {
    this.listCache ??= [...this.objects.values()];
    return this.listCache;
  }

  get size(): number {
    return this.objects.size;
  }

  /**
   * Replaces everything with a fresh list; returns what changed (by resourceVersion). An object
   * whose resourceVersion did not change keeps its stored copy: no consumer hears of the new one,
   * so the old one is what they last saw (and a transform's one-time hand-over stays consistent).
   */
  replace(items: readonly T[]): InformerEvent<T>[] {
    const next = new Map<string, T>();
    const events: InformerEvent<T>[] = [];
    for (const obj of items) {
      const key = keyOf(obj);
      const old = this.objects.get(key);
      if (old === undefined) events.push({ type: 'add', object: obj });
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) events.push({ type: 'update', object: obj, old });
      else {
        next.set(key, old);
        continue;
      }
      next.set(key, obj);
    }
    for (const [key, old] of this.objects) {
      if (!next.has(key)) events.push({ type: 'delete', object: old, old });
    }
    this.objects = next;
    if (events.length > 0) this.listCache = null;
    return events;
  }

  /** Applies one watch event; null when it changes nothing (a replay of what the store has). */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): InformerEvent<T> | null {
    const key = keyOf(obj);
    const old = this.objects.get(key);
    if (type === 'DELETED') {
      if (old === undefined) return null;
      this.objects.delete(key);
      this.listCache = null;
      return { type: 'delete', object: obj, old };
    }
    if (old !== undefined && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return null;
    this.objects.set(key, obj);
    this.listCache = null;
    return old === undefined ? { type: 'add', object: obj } : { type: 'update', object: obj, old };
  }
}
