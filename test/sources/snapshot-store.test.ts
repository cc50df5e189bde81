// SnapshotStore: what publishes a snapshot and what does not, the changed keys, the local cluster
// id, and the sharing of unchanged data between snapshots.

import { describe, expect, it } from 'vitest';
import type { ImportRecord, ObjectSnapshot, SliceRecord } from '../../src/sources/model.js';
import { SnapshotStore } from '../../src/sources/snapshot-store.js';

function imp(namespace: string, name: string, ips: string[] = ['10.0.0.1']): ImportRecord {
  return { namespace, name, type: 'ClusterSetIP', ips, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] };
}

function slc(namespace: string, name: string, serviceName: string, addresses: string[] = ['10.1.0.1']): SliceRecord {
  return {
    namespace,
    name,
    serviceName,
    clusterId: 'c1',
    addressType: 'IPv4',
    ports: [],
    endpoints: addresses.map((a) => ({ addresses: [a], hostname: null, ready: true })),
  };
}

function changedKeys(snapshot: ObjectSnapshot | null): string[] | 'all' | null {
  if (snapshot === null) return null;
  return snapshot.changed === 'all' ? 'all' : [...snapshot.changed].sort();
}

describe('SnapshotStore', () => {
  it('starts empty at version 0 and publishes nothing without a change', () => {
    const store = new SnapshotStore();
    const first = store.current();
    expect(first.version).toBe(0);
    expect(first.imports.size + first.slices.size + first.namespaces.size).toBe(0);
    expect(store.commit()).toBeNull();
    expect(store.current()).toBe(first);
  });

  it('publishes a new version with the changed keys and notifies subscribers', () => {
    const store = new SnapshotStore();
    const seen: number[] = [];
    const unsubscribe = store.subscribe((s) => seen.push(s.version));
    store.upsertImport(imp('ns1', 'a'));
    store.upsertSlice(slc('ns1', 'b-1', 'b'));
    const snap = store.commit();
    expect(snap?.version).toBe(1);
    expect(changedKeys(snap)).toEqual(['ns1/a', 'ns1/b']);
    expect(store.current()).toBe(snap);
    expect(snap?.imports.get('ns1/a')).toEqual(imp('ns1', 'a'));
    expect(snap?.slices.get('ns1/b')?.map((s) => s.name)).toEqual(['b-1']);
    unsubscribe();
    store.deleteImport('ns1', 'a');
    store.commit();
    expect(seen).toEqual([1]);
  });

  it('an upsert of an equivalent record (a new object) publishes nothing', () => {
    const store = new SnapshotStore();
    store.upsertImport(imp('ns1', 'a'));
    store.upsertSlice(slc('ns1', 'a-1', 'a'));
    store.addNamespace('ns1');
    const v1 = store.commit();
    store.upsertImport(imp('ns1', 'a'));
    store.upsertSlice(slc('ns1', 'a-1', 'a'));
    store.addNamespace('ns1');
    expect(store.commit()).toBeNull();
    expect(store.current()).toBe(v1);
  });

  it('a change undone before commit publishes nothing', () => {
    const store = new SnapshotStore();
    store.upsertImport(imp('ns1', 'a'));
    store.upsertSlice(slc('ns1', 'a-1', 'a'));
    store.commit();
    store.upsertImport(imp('ns1', 'a', ['10.0.0.2']));
    store.upsertImport(imp('ns1', 'a'));
    store.deleteSlice('ns1', 'a-1');
    store.upsertSlice(slc('ns1', 'a-1', 'a'));
    store.addNamespace('x');
    store.deleteNamespace('x');
    expect(store.commit()).toBeNull();
    expect(store.current().version).toBe(1);
  });

  it('shares unchanged imports and slice arrays; never mutates a published snapshot', () => {
    const store = new SnapshotStore();
    store.upsertImport(imp('ns1', 'a'));
    store.upsertImport(imp('ns1', 'b'));
    store.upsertSlice(slc('ns1', 'a-1', 'a'));
    store.upsertSlice(slc('ns1', 'b-1', 'b'));
    store.upsertSlice(slc('ns1', 'b-2', 'b'));
    const v1 = store.commit();
    if (v1 === null) throw new Error('no snapshot');
    const v1Imports = new Map(v1.imports);
    const v1Slices = new Map(v1.slices);

    store.upsertSlice(slc('ns1', 'a-1', 'a', ['10.1.0.9']));
    const v2 = store.commit();
    if (v2 === null) throw new Error('no snapshot');
    expect(changedKeys(v2)).toEqual(['ns1/a']);
    expect(v2.slices.get('ns1/b')).toBe(v1.slices.get('ns1/b'));
    expect(v2.imports.get('ns1/a')).toBe(v1.imports.get('ns1/a'));
    expect(v2.imports).toBe(v1.imports); // no import changed: the whole map is shared
    expect(v2.namespaces).toBe(v1.namespaces);
    expect(v2.slices.get('ns1/a')?.[0]?.endpoints[0]?.addresses).toEqual(['10.1.0.9']);
    // v1 still shows what it showed.
    expect(new Map(v1.imports)).toEqual(v1Imports);
    expect(new Map(v1.slices)).toEqual(v1Slices);
    expect(v1.slices.get('ns1/a')?.[0]?.endpoints[0]?.addresses).toEqual(['10.1.0.1']);
    expect(Object.isFrozen(v2)).toBe(true);
    expect(Object.isFrozen(v2.slices.get('ns1/a'))).toBe(true);
  });

  it('freezes records handed in unfrozen, so the caller cannot change a snapshot', () => {
    const store = new SnapshotStore();
    const record = imp('ns1', 'a');
    store.upsertImport(record);
    store.commit();
    expect(Object.isFrozen(record.ips)).toBe(true);
    expect(() => (record.ips as string[]).push('10.0.0.9')).toThrow();
  });

  it('orders a service slices by name and keys them by their service', () => {
    const store = new SnapshotStore();
    store.upsertSlice(slc('ns1', 'z', 'svc'));
    store.upsertSlice(slc('ns1', 'a', 'svc'));
    store.upsertSlice(slc('ns2', 'm', 'svc'));
    const snap = store.commit();
    expect(snap?.slices.get('ns1/svc')?.map((s) => s.name)).toEqual(['a', 'z']);
    expect(snap?.slices.get('ns2/svc')?.map((s) => s.name)).toEqual(['m']);
  });

  it('a slice relabelled to another service changes both services', () => {
    const store = new SnapshotStore();
    store.upsertSlice(slc('ns1', 's-1', 'old'));
    store.commit();
    store.upsertSlice(slc('ns1', 's-1', 'new'));
    const snap = store.commit();
    expect(changedKeys(snap)).toEqual(['ns1/new', 'ns1/old']);
    expect(snap?.slices.has('ns1/old')).toBe(false);
    expect(snap?.slices.get('ns1/new')?.length).toBe(1);
  });

  const deletes: Array<{ name: string; act: (s: SnapshotStore) => void; changed: string[] | 'all' | null }> = [
    { name: 'delete an import', act: (s) => s.deleteImport('ns1', 'a'), changed: ['ns1/a'] },
    { name: 'delete a missing import', act: (s) => s.deleteImport('ns1', 'zz'), changed: null },
    { name: 'delete one slice of two', act: (s) => s.deleteSlice('ns1', 'a-1'), changed: ['ns1/a'] },
    { name: 'delete a missing slice', act: (s) => s.deleteSlice('ns1', 'nope'), changed: null },
    { name: 'delete a namespace', act: (s) => s.deleteNamespace('ns1'), changed: 'all' },
    { name: 'delete a missing namespace', act: (s) => s.deleteNamespace('nsX'), changed: null },
    { name: 'add a namespace', act: (s) => s.addNamespace('ns2'), changed: 'all' },
  ];
  it.each(deletes)('$name', ({ act, changed }) => {
    const store = new SnapshotStore();
    store.upsertImport(imp('ns1', 'a'));
    store.upsertSlice(slc('ns1', 'a-1', 'a'));
    store.upsertSlice(slc('ns1', 'a-2', 'a'));
    store.addNamespace('ns1');
    store.commit();
    act(store);
    const snap = store.commit();
    expect(changedKeys(snap)).toEqual(changed);
    expect(store.current().version).toBe(changed === null ? 1 : 2);
  });

  it('removes a service key from slices when its last slice goes', () => {
    const store = new SnapshotStore();
    store.upsertSlice(slc('ns1', 'a-1', 'a'));
    store.commit();
    store.deleteSlice('ns1', 'a-1');
    expect(store.commit()?.slices.has('ns1/a')).toBe(false);
  });

  it('replaceAll applies only the difference', () => {
    const store = new SnapshotStore();
    store.replaceAll({
      imports: [imp('ns1', 'keep'), imp('ns1', 'edit'), imp('ns1', 'gone')],
      slices: [slc('ns1', 'keep-1', 'keep'), slc('ns1', 'gone-1', 'gone'), slc('ns1', 'edit-1', 'edit')],
      namespaces: ['ns1'],
    });
    const v1 = store.commit();
    expect(changedKeys(v1)).toBe('all'); // the namespace set changed
    store.replaceAll({
      imports: [imp('ns1', 'keep'), imp('ns1', 'edit', ['10.0.0.7']), imp('ns1', 'new')],
      slices: [slc('ns1', 'keep-1', 'keep'), slc('ns1', 'edit-1', 'edit')],
      namespaces: ['ns1'],
    });
    const v2 = store.commit();
    expect(changedKeys(v2)).toEqual(['ns1/edit', 'ns1/gone', 'ns1/new']);
    expect([...(v2?.imports.keys() ?? [])].sort()).toEqual(['ns1/edit', 'ns1/keep', 'ns1/new']);
    expect(v2?.imports.get('ns1/keep')).toBe(v1?.imports.get('ns1/keep'));
    expect(v2?.slices.get('ns1/keep')).toBe(v1?.slices.get('ns1/keep'));
    expect(v2?.slices.get('ns1/edit')).toBe(v1?.slices.get('ns1/edit'));
    expect(v2?.slices.has('ns1/gone')).toBe(false);
    expect(v2?.namespaces).toBe(v1?.namespaces);

    // The same contents again, as new objects: nothing to publish.
    store.replaceAll({
      imports: [imp('ns1', 'keep'), imp('ns1', 'edit', ['10.0.0.7']), imp('ns1', 'new')],
      slices: [slc('ns1', 'edit-1', 'edit'), slc('ns1', 'keep-1', 'keep')],
      namespaces: ['ns1'],
    });
    expect(store.commit()).toBeNull();
  });

  it('the local cluster id: a change alone publishes a snapshot listing no service; replaceAll sets or clears it', () => {
    const store = new SnapshotStore();
    store.upsertImport(imp('ns1', 'a'));
    const v1 = store.commit();
    expect(v1?.localCluster).toBeNull();
    store.setLocalCluster('east');
    const v2 = store.commit();
    expect(v2?.version).toBe(2);
    expect(v2?.localCluster).toBe('east');
    expect(changedKeys(v2)).toEqual([]);
    expect(v2?.imports).toBe(v1?.imports);
    store.setLocalCluster('east');
    expect(store.commit()).toBeNull();
    // The same contents with the same id publish nothing; without one, the id is cleared.
    store.replaceAll({ imports: [imp('ns1', 'a')], slices: [], namespaces: [], localCluster: 'east' });
    expect(store.commit()).toBeNull();
    store.replaceAll({ imports: [imp('ns1', 'a')], slices: [], namespaces: [] });
    expect(store.commit()?.localCluster).toBeNull();
    // It rides along with other changes.
    store.setLocalCluster('west');
    store.upsertImport(imp('ns1', 'b'));
    const v4 = store.commit();
    expect(v4?.localCluster).toBe('west');
    expect(changedKeys(v4)).toEqual(['ns1/b']);
  });

  it('a listener that throws does not stop the others; onListenerError receives it', () => {
    const errors: unknown[] = [];
    const store = new SnapshotStore({ onListenerError: (err) => errors.push(err) });
    const seen: number[] = [];
    store.subscribe(() => {
      throw new Error('boom');
    });
    store.subscribe((s) => seen.push(s.version));
    store.addNamespace('a');
    store.commit();
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });
});
