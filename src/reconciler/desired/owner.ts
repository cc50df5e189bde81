// The owner reference every reconciler-created object carries, pointing at its ServiceImport, so
// that deleting the import lets the API server's garbage collector remove the rest.

import { MCS_GROUP, type OwnerReference, type ServiceImport } from '../objects.js';

export function importOwnerReference(imp: ServiceImport, mcsApiVersion: string): OwnerReference {
  return {
    apiVersion: `${MCS_GROUP}/${mcsApiVersion}`,
    kind: 'ServiceImport',
    name: imp.metadata?.name ?? '',
    uid: imp.metadata?.uid ?? '',
    controller: true,
  };
}

/** The uids of the ServiceImports that own `refs` (the only part of owner references we compare). */
export function importOwnerUids(refs: readonly OwnerReference[] | undefined): string[] {
  return (refs ?? []).filter((r) => r.kind === 'ServiceImport').map((r) => r.uid).sort();
}

export function ownedLabels(labels: Readonly<Record<string, string>> | undefined, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = labels?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Replaces this reconciler's owner reference(s), keeping any others. */
export function withImportOwner(refs: readonly OwnerReference[] | undefined, wanted: readonly OwnerReference[]): OwnerReference[] {
  return [...(refs ?? []).filter((r) => r.kind !== 'ServiceImport'), ...wanted];
}
