// Strategic merge patch as the apiserver applies it to built-in kinds
// (k8s.io/apimachinery/pkg/util/strategicpatch, with MergeParallelList and IgnoreUnmatchedNulls):
// maps merge and null deletes; lists whose schema says patch strategy "merge" merge by their merge
// key (ports by port, containers by name) or, for scalars, as a set; other lists are replaced; and
// the directives $patch (replace/delete/merge), $retainKeys, $setElementOrder/<list> and
// $deleteFromPrimitiveList/<list> do what kubectl's three-way patches ask of them.

import { badRequest } from './api-error.js';
import type { Schema, SchemaResolver } from './schema/schema.js';
import { deepClone, isRecord } from './types.js';

type Rec = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

interface Meta {
  readonly schema: Schema | undefined;
  readonly strategy: string;
  readonly mergeKey: string;
}

export class StrategicMergePatcher {
  constructor(private readonly resolve: SchemaResolver) {}

  /** Applies `patch` to a copy of `original` (both whole objects); `root` is the kind's schema. */
  apply(original: unknown, patch: unknown, root: Schema): unknown {
    if (!isRecord(patch)) throw badRequest('strategic merge patch must be a JSON object');
    return this.mergeMap(isRecord(original) ? deepClone(original) : {}, deepClone(patch), root);
  }

  private fieldMeta(schema: Schema | undefined, key: string): Meta {
    if (schema === undefined) return { schema: undefined, strategy: '', mergeKey: '' };
    const parent = this.resolve(schema);
    const prop = parent.properties?.[key] ?? (typeof parent.additionalProperties === 'object' ? parent.additionalProperties : undefined);
    if (prop === undefined) return { schema: undefined, strategy: '', mergeKey: '' };
    const strategies = (prop['x-kubernetes-patch-strategy'] ?? '').split(',').filter((s) => s !== '' && s !== 'retainKeys');
    if (strategies.length > 1) throw badRequest(`unexpected patch strategy: ${prop['x-kubernetes-patch-strategy'] ?? ''}`);
    return { schema: prop, strategy: strategies[0] ?? '', mergeKey: prop['x-kubernetes-patch-merge-key'] ?? '' };
  }

  private itemSchema(list: Schema | undefined): Schema | undefined {
    return list === undefined ? undefined : this.resolve(list).items;
  }

  private mergeMap(original: Rec, patch: Rec, schema: Schema | undefined): Rec {
    if (DIRECTIVE in patch) {
      const directive = patch[DIRECTIVE];
      if (directive === 'replace') {
        delete patch[DIRECTIVE];
        return patch;
      }
      if (directive === 'delete') return {};
      throw badRequest(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
    }
    this.applyRetainKeys(original, patch);
    this.mergeOrderedLists(original, patch, schema);

    for (const [rawKey, patchV] of Object.entries(patch)) {
      let key = rawKey;
      let deleteList = false;
      if (rawKey.startsWith(DELETE_PRIMITIVE)) {
        key = rawKey.slice(DELETE_PRIMITIVE.length);
        deleteList = true;
      }
      if (patchV === null) {
        delete original[key];
        continue;
      }
      const meta = this.fieldMeta(schema, key);
      const cur = original[key];
      const bothMaps = isRecord(cur) && isRecord(patchV);
      const bothLists = Array.isArray(cur) && Array.isArray(patchV);
      if (!bothMaps && !bothLists) {
        // A new value (or one of another type) is taken from the patch, its own directives and nulls resolved.
        if (!deleteList) original[key] = this.fresh(patchV, meta);
        continue;
      }
      if (bothMaps) {
        original[key] = meta.strategy === 'replace' ? patchV : this.mergeMap(cur as Rec, patchV as Rec, meta.schema);
      } else {
        original[key] = meta.strategy === 'merge' ? this.mergeSlice(cur as unknown[], patchV as unknown[], meta, deleteList) : patchV;
      }
    }
    return original;
  }

  private fresh(value: unknown, meta: Meta): unknown {
    if (isRecord(value)) return meta.strategy === 'replace' ? value : this.mergeMap({}, value, meta.schema);
    if (Array.isArray(value) && meta.strategy === 'merge') return this.mergeSlice([], value, meta, false);
    return value;
  }

  /** $retainKeys: keys of the original not listed go away; the patch may only set listed keys. */
  private applyRetainKeys(original: Rec, patch: Rec): void {
    if (!(RETAIN_KEYS in patch)) return;
    const keep = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(keep)) throw badRequest('invalid patch: $retainKeys must be a list of strings');
    const allowed = new Set(keep);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
      if (!allowed.has(k)) throw badRequest('invalid patch: $retainKeys must name every field the patch sets');
    }
    for (const k of Object.keys(original)) if (!allowed.has(k)) delete original[k];
  }

  /** $setElementOrder/<list>: merges that list now and orders it as the directive says. */
  private mergeOrderedLists(original: Rec, patch: Rec, schema: Schema | undefined): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ORDER)) continue;
      const order = patch[key];
      delete patch[key];
      if (!Array.isArray(order)) throw badRequest('invalid patch: $setElementOrder must be a list');
      const listKey = key.slice(SET_ORDER.length);
      const cur = original[listKey];
      const pv = patch[listKey];
      if (cur !== undefined && !Array.isArray(cur)) throw badRequest(`invalid patch: ${listKey} is not a list`);
      if (pv !== undefined && pv !== null && !Array.isArray(pv)) throw badRequest(`invalid patch: ${listKey} is not a list`);
      const meta = this.fieldMeta(schema, listKey);
      let merged: unknown[];
      if (cur !== undefined && Array.isArray(pv)) merged = meta.strategy === 'merge' ? this.mergeSlice(cur, pv, meta, false) : pv;
      else if (cur !== undefined) merged = cur;
      else if (Array.isArray(pv)) merged = meta.strategy === 'merge' ? this.mergeSlice([], pv, meta, false) : pv;
      else continue;
      original[listKey] = this.normalizeOrder(merged, order, (cur ?? []) as unknown[], meta.mergeKey);
      delete patch[listKey];
    }
  }

  private mergeSlice(original: unknown[], patch: unknown[], meta: Meta, deleteList: boolean): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const sample = [...original, ...patch][0];
    if (!isRecord(sample)) {
      if (deleteList) return original.filter((v) => !patch.includes(v));
      const merged: unknown[] = [];
      for (const v of [...original, ...patch]) if (!merged.includes(v)) merged.push(v);
      return this.normalizeOrder(merged, patch, original, '');
    }
    const key = meta.mergeKey;
    if (key === '') throw badRequest('cannot merge lists without merge key');
    let base = [...original];
    const plain: Rec[] = [];
    let replace = false;
    for (const item of patch) {
      if (!isRecord(item)) throw badRequest('list element types are not identical');
      const directive = item[DIRECTIVE];
      if (directive === undefined) plain.push(item);
      else if (directive === 'delete') {
        if (!(key in item)) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
        base = base.filter((b) => !(isRecord(b) && b[key] === item[key]));
      } else if (directive === 'replace') replace = true;
      else if (directive === 'merge') throw badRequest('merging lists cannot yet be specified in the patch');
      else throw badRequest(`Unknown patch type: ${String(directive)}`);
    }
    if (replace) return plain;
    const itemSchema = this.itemSchema(meta.schema);
    for (const item of plain) {
      if (!(key in item)) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
      const i = base.findIndex((b) => isRecord(b) && b[key] === item[key]);
      // A new item comes in like any new value: its own directives resolved, its nulls dropped.
      if (i >= 0) base[i] = this.mergeMap(base[i] as Rec, item, itemSchema);
      else base.push(this.mergeMap({}, item, itemSchema));
    }
    return this.normalizeOrder(base, patch, original, key);
  }

  /**
   * Items named in `order` come in that order; the others (only in the live list) keep their
   * relative order and are interleaved by their place in `live`, as normalizeElementOrder does.
   */
  private normalizeOrder(merged: unknown[], order: readonly unknown[], live: readonly unknown[], mergeKey: string): unknown[] {
    const id = (v: unknown): unknown => (mergeKey !== '' && isRecord(v) ? v[mergeKey] : v);
    const orderIds = order.filter((o) => !(isRecord(o) && o[DIRECTIVE] === 'delete')).map(id);
    const liveIds = live.map(id);
    const inOrder = merged.filter((m) => orderIds.includes(id(m))).sort((a, b) => orderIds.indexOf(id(a)) - orderIds.indexOf(id(b)));
    const serverOnly = merged.filter((m) => !orderIds.includes(id(m))).sort((a, b) => liveIds.indexOf(id(a)) - liveIds.indexOf(id(b)));
    const out: unknown[] = [];
    let i = 0;
    let j = 0;
    while (i < serverOnly.length || j < inOrder.length) {
      if (i >= serverOnly.length) out.push(inOrder[j++]);
      else if (j >= inOrder.length) out.push(serverOnly[i++]);
      else {
        const li = liveIds.indexOf(id(serverOnly[i]));
        const ri = liveIds.indexOf(id(inOrder[j]));
        if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
        else out.push(inOrder[j++]);
      }
    }
    return out;
  }
}
