// Status conditions as metav1.Condition, shared by ServiceExport and ServiceImport status. A
// condition's lastTransitionTime changes only when its status flips, so that re-running the
// reconciler never rewrites history; conditions of other types (someone else's) are left alone.

import type { Condition } from '../objects.js';

export type ConditionSpec = Omit<Condition, 'lastTransitionTime'>;

/** Merges the wanted conditions into the current ones, keeping transition times that did not flip. */
export function mergeConditions(current: readonly Condition[], wanted: readonly ConditionSpec[], now: string): Condition[] {
  const out: Condition[] = current.filter((c) => !wanted.some((w) => w.type === c.type));
  for (const w of wanted) {
    const old = current.find((c) => c.type === w.type);
    const lastTransitionTime = old !== undefined && old.status === w.status ? old.lastTransitionTime : now;
    const cond: Condition = { ...w, lastTransitionTime };
    if (old?.observedGeneration !== undefined) cond.observedGeneration = old.observedGeneration;
    out.push(cond);
  }
  return out;
}

/** The compared form of a condition list: every field we set, sorted by type. */
export function conditionsKey(conditions: readonly Condition[] | undefined): unknown[] {
  return [...(conditions ?? [])]
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, t: c.lastTransitionTime }));
}
