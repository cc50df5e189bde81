// The status conditions of one ServiceExport. A condition's lastTransitionTime is kept unless its
// status flips, so that re-running the reconciler never rewrites history; conditions of other types
// (written by someone else) are left alone.

import type { Condition, ServiceExport } from '../objects.js';
import type { AggregateImport } from './aggregate.js';
import type { OwnedFields } from './diff.js';
import type { ExportCandidate } from './export-validity.js';

export type ConditionSpec = Omit<Condition, 'lastTransitionTime'>;

/** The conditions this export should carry (Ready only where the API version defines it). */
export function exportConditionSpecs(
  candidate: ExportCandidate,
  agg: AggregateImport | null,
  withReady: boolean,
): ConditionSpec[] {
  const specs: ConditionSpec[] = [];
  const v = candidate.validity;
  if (!v.valid) {
    specs.push({ type: 'Valid', status: 'False', reason: v.reason, message: v.message });
    specs.push({ type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'export is not valid' });
    if (withReady) specs.push({ type: 'Ready', status: 'False', reason: 'Failed', message: v.message });
    return specs;
  }
  specs.push({ type: 'Valid', status: 'True', reason: 'Valid', message: 'Service found and exportable' });
  const conflict = agg?.conflicts.get(candidate.clusterId);
  if (conflict === undefined) {
    specs.push({ type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'no conflicts with other exports' });
  } else {
    specs.push({ type: 'Conflict', status: 'True', reason: conflict.reasons.join(','), message: conflict.message });
  }
  if (withReady) {
    const imported = agg?.members.includes(candidate.clusterId) === true;
    specs.push(
      imported
        ? { type: 'Ready', status: 'True', reason: 'Exported', message: 'endpoints are imported into the clusterset' }
        : { type: 'Ready', status: 'False', reason: 'Failed', message: conflict?.message ?? 'not imported' },
    );
  }
  return specs;
}

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

/** The export with its conditions as they should be (the object to compare with the actual one). */
export function desiredExportStatus(actual: ServiceExport, wanted: readonly ConditionSpec[], now: string): ServiceExport {
  return {
    ...actual,
    status: { ...(actual.status ?? {}), conditions: mergeConditions(actual.status?.conditions ?? [], wanted, now) },
  };
}

function conditionKey(c: Condition): unknown {
  return { type: c.type, status: c.status, reason: c.reason, message: c.message, t: c.lastTransitionTime };
}

export const exportStatusFields: OwnedFields<ServiceExport> = {
  project: (e) =>
    (e.status?.conditions ?? [])
      .map(conditionKey)
      .sort((a, b) => ((a as { type: string }).type < (b as { type: string }).type ? -1 : 1)),
  merge: (actual, desired) => ({ ...actual, status: { ...(actual.status ?? {}), conditions: desired.status?.conditions ?? [] } }),
};

