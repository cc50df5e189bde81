// The aggregate import of one service across the clusterset: the oldest valid export decides type
// and session affinity; ports are the union; an export that disagrees gets Conflict=True with typed
// reasons. A type conflict keeps that export out of the import (its endpoints cannot be served
// under the winner's type); port and affinity conflicts only drop the conflicting part.

import { sameJson } from './diff.js';
import { byAge, type ExportCandidate } from './export-validity.js';
import type { CanonicalPort } from './ports.js';

export type ConflictReason = 'TypeConflict' | 'PortConflict' | 'SessionAffinityConflict' | 'SessionAffinityConfigConflict';

export interface ExportConflict {
  readonly reasons: readonly ConflictReason[];
  readonly message: string;
}

export interface AggregateImport {
  readonly type: 'ClusterSetIP' | 'Headless';
  readonly ports: readonly CanonicalPort[];
  readonly sessionAffinity: string;
  readonly sessionAffinityConfig: unknown;
  /** Cluster ids whose endpoints are imported, sorted. */
  readonly members: readonly string[];
  /** The winning export's cluster id (named in conflict messages). */
  readonly winner: string;
  readonly conflicts: ReadonlyMap<string, ExportConflict>;
}

/** Null when no valid export exists. */
export function aggregate(candidates: readonly ExportCandidate[]): AggregateImport | null {
  const valid = candidates.filter((c) => c.validity.valid).sort(byAge);
  const winner = valid[0];
  if (winner === undefined) return null;
  const ports: CanonicalPort[] = [];
  const members: string[] = [];
  const conflicts = new Map<string, ExportConflict>();

  for (const c of valid) {
    const reasons: ConflictReason[] = [];
    const details: string[] = [];
    if (c.type !== winner.type) {
      conflicts.set(c.clusterId, {
        reasons: ['TypeConflict'],
        message: `type ${c.type} conflicts with ${winner.type} of the oldest export (cluster ${winner.clusterId}); this export is not imported`,
      });
      continue;
    }
    members.push(c.clusterId);
    if (winner.type === 'ClusterSetIP' && c.sessionAffinity !== winner.sessionAffinity) {
      reasons.push('SessionAffinityConflict');
      details.push(`sessionAffinity ${c.sessionAffinity} differs from ${winner.sessionAffinity} (cluster ${winner.clusterId})`);
    } else if (winner.type === 'ClusterSetIP' && !sameJson(c.sessionAffinityConfig, winner.sessionAffinityConfig)) {
      reasons.push('SessionAffinityConfigConflict');
      details.push(`sessionAffinityConfig differs from that of cluster ${winner.clusterId}`);
    }
    for (const p of c.ports) {
      const sameName = ports.find((u) => u.name === p.name);
      const sameNumber = ports.find((u) => u.port === p.port && u.protocol === p.protocol);
      if (sameName !== undefined) {
        if (sameName.port !== p.port || sameName.protocol !== p.protocol) {
          details.push(`port "${p.name}" is ${p.port}/${p.protocol}, the import has ${sameName.port}/${sameName.protocol}`);
          if (!reasons.includes('PortConflict')) reasons.push('PortConflict');
        }
      } else if (sameNumber !== undefined) {
        details.push(`port ${p.port}/${p.protocol} is named "${p.name}", the import names it "${sameNumber.name}"`);
        if (!reasons.includes('PortConflict')) reasons.push('PortConflict');
      } else {
        ports.push(p);
      }
    }
    if (reasons.length > 0) {
      conflicts.set(c.clusterId, { reasons, message: `${details.join('; ')}; the oldest export wins` });
    }
  }
  return {
    type: winner.type,
    ports,
    sessionAffinity: winner.sessionAffinity,
    sessionAffinityConfig: winner.sessionAffinityConfig,
    members: [...new Set(members)].sort(),
    winner: winner.clusterId,
    conflicts,
  };
}
