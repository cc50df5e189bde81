// The writes a reconcile pass asks for: the only output of the pure desired-state code, and the
// only input of the part that talks to API servers.

import type { KubeObject } from '../objects.js';

export type ResourceKind = 'serviceimports' | 'serviceexports' | 'services' | 'endpointslices';

export type Write =
  | { readonly op: 'create'; readonly resource: ResourceKind; readonly object: KubeObject }
  /** Full object carrying the observed resourceVersion, so a stale write fails with 409. */
  | { readonly op: 'update'; readonly resource: ResourceKind; readonly object: KubeObject }
  | { readonly op: 'updateStatus'; readonly resource: ResourceKind; readonly object: KubeObject }
  | {
      readonly op: 'delete';
      readonly resource: ResourceKind;
      readonly namespace: string;
      readonly name: string;
    };

export function describeWrite(w: Write): string {
  const name = w.op === 'delete' ? `${w.namespace}/${w.name}` : `${w.object.metadata?.namespace}/${w.object.metadata?.name}`;
  return `${w.op} ${w.resource} ${name}`;
}
