// Applies a whole objects file's records to its snapshot store in slices: the same deletes and
// upserts as SnapshotStore.replaceAll, with the event loop given back whenever a slice has run
// for a few milliseconds, so that 20,000 imports never hold up queries or /health. Nothing is
// published until the caller commits, so the old data keeps serving until the new is complete.

import { serviceKey, type ServiceKey } from './model.js';
import type { CollectedObjects } from './objects-file-collect.js';
import type { SnapshotStore } from './snapshot-store.js';

/** Time on the main thread between two yields; far below the 50 ms a query may wait at worst. */
const SLICE_MS = 8;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function applyInSlices(store: SnapshotStore, next: CollectedObjects, now: () => number, stopped: () => boolean): Promise<boolean> {
  let sliceStart = now();
  const maybeYield = async (): Promise<void> => {
    if (now() - sliceStart < SLICE_MS) return;
    await yieldToLoop();
    sliceStart = now();
  };
  // The working set equals the published snapshot between loads (this source commits each one).
  const current = store.current();

  const imports = new Map<ServiceKey, (typeof next.imports)[number]>();
  for (const r of next.imports) imports.set(serviceKey(r.namespace, r.name), r);
  const sliceIds = new Set<string>();
  for (const r of next.slices) sliceIds.add(`${r.namespace}/${r.name}`);

  for (const [key, r] of current.imports) {
    if (!imports.has(key)) store.deleteImport(r.namespace, r.name);
    await maybeYield();
    if (stopped()) return false;
  }
  for (const group of current.slices.values()) {
    for (const r of group) if (!sliceIds.has(`${r.namespace}/${r.name}`)) store.deleteSlice(r.namespace, r.name);
    await maybeYield();
    if (stopped()) return false;
  }
  for (const r of imports.values()) {
    store.upsertImport(r);
    await maybeYield();
    if (stopped()) return false;
  }
  for (const r of next.slices) {
    store.upsertSlice(r);
    await maybeYield();
    if (stopped()) return false;
  }
  const namespaces = new Set(next.namespaces);
  for (const ns of current.namespaces) if (!namespaces.has(ns)) store.deleteNamespace(ns);
  for (const ns of namespaces) store.addNamespace(ns);
  store.setLocalCluster(next.localCluster ?? null);
  return true;
}
