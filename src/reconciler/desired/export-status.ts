// The status conditions of one ServiceExport, with the MCS API's condition types and reasons:
// Valid (Valid | NoService | InvalidServiceType), Conflict (NoConflicts | PortConflict, TypeConflict,
// SessionAffinityConflict, SessionAffinityConfigConflict, comma-joined), Ready (Exported | Pending |
// Failed). Every served version of the upstream CRDs has status.conditions, so all three are written
// whichever version the cluster uses.

import type { ServiceExport } from '../objects.js';
import type { AggregateImport } from './aggregate.js';
import { conditionsKey, mergeConditions, type ConditionSpec } from './conditions.js';
import type { OwnedFields } from './diff.js';
import type { ExportCandidate } from './export-validity.js';

/** The conditions this export should carry. */
export function exportConditionSpecs(candidate: ExportCandidate, agg: AggregateImport | null): ConditionSpec[] {
  const v = candidate.validity;
  if (!v.valid) {
    return [
      { type: 'Valid', status: 'False', reason: v.reason, message: v.message },
      { type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'export is not valid' },
      { type: 'Ready', status: 'False', reason: 'Failed', message: v.message },
    ];
  }
  const specs: ConditionSpec[] = [{ type: 'Valid', status: 'True', reason: 'Valid', message: 'Service found and exportable' }];
  const conflict = agg?.conflicts.get(candidate.clusterId);
  if (conflict === undefined) {
    specs.push({ type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'no conflicts with other exports' });
  } else {
    specs.push({ type: 'Conflict', status: 'True', reason: conflict.reasons.join(','), message: conflict.message });
  }
  const imported = agg?.members.includes(candidate.clusterId) === true;
  specs.push(
    imported
      ? { type: 'Ready', status: 'True', reason: 'Exported', message: 'endpoints are imported into the clusterset' }
      : { type: 'Ready', status: 'False', reason: 'Failed', message: conflict?.message ?? 'not imported' },
  );
  return specs;
}

/** The export with its conditions as they should be (the object to compare with the actual one). */
export function desiredExportStatus(actual: ServiceExport, wanted: readonly ConditionSpec[], now: string): ServiceExport {
  return {
    ...actual,
    status: { ...(actual.status ?? {}), conditions: mergeConditions(actual.status?.conditions ?? [], wanted, now) },
  };
}

export const exportStatusFields: OwnedFields<ServiceExport> = {
  project: (e) => conditionsKey(e.status?.conditions),
  merge: (actual, desired) => ({ ...actual, status: { ...(actual.status ?? {}), conditions: desired.status?.conditions ?? [] } }),
};
