// The pure diff: given what should exist and what does, the writes that make them equal. Each kind
// says which fields it owns (a projection); server-populated fields (uid, resourceVersion,
// clusterIP, managedFields, defaults) are outside the projection and so never cause a write.

import type { KubeObject } from '../objects.js';
import type { ResourceKind, Write } from './writes.js';

export interface OwnedFields<T extends KubeObject> {
  /** The fields this reconciler owns, in a canonical form; equal projections mean no write. */
  project(obj: T): unknown;
  /** The actual object with the owned fields taken from the desired one. */
  merge(actual: T, desired: T): T;
  /** True when the change touches an immutable field, so the object must be deleted and re-created. */
  mustReplace?(actual: T, desired: T): boolean;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted, so that key order never counts as a difference. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

function key(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** Writes for one object that should be `desired` (null: should not exist) and is `actual`. */
export function diffOne<T extends KubeObject>(
  resource: ResourceKind,
  desired: T | null,
  actual: T | null,
  owned: OwnedFields<T>,
): Write[] {
  if (desired === null) {
    if (actual === null || actual.metadata?.deletionTimestamp !== undefined) return [];
    return [{ op: 'delete', resource, namespace: actual.metadata?.namespace ?? '', name: actual.metadata?.name ?? '' }];
  }
  if (actual === null) return [{ op: 'create', resource, object: desired }];
  if (sameJson(owned.project(desired), owned.project(actual))) return [];
  if (owned.mustReplace?.(actual, desired) === true) {
    return [
      { op: 'delete', resource, namespace: actual.metadata?.namespace ?? '', name: actual.metadata?.name ?? '' },
      { op: 'create', resource, object: desired },
    ];
  }
  return [{ op: 'update', resource, object: owned.merge(actual, desired) }];
}

/** Writes that turn the set `actual` into the set `desired`, matched by namespace/name. */
export function diffSet<T extends KubeObject>(
  resource: ResourceKind,
  desired: readonly T[],
  actual: readonly T[],
  owned: OwnedFields<T>,
): Write[] {
  const actualByKey = new Map(actual.map((a) => [key(a), a]));
  const writes: Write[] = [];
  const wanted = new Set<string>();
  for (const d of desired) {
    wanted.add(key(d));
    writes.push(...diffOne(resource, d, actualByKey.get(key(d)) ?? null, owned));
  }
  for (const a of actual) {
    if (!wanted.has(key(a))) writes.push(...diffOne<T>(resource, null, a, owned));
  }
  return writes;
}
