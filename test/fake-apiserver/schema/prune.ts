// Pruning of unknown fields as the apiserver decodes a write: fields a schema does not declare are
// dropped (kept under x-kubernetes-preserve-unknown-fields), and their paths (`spec.foo`,
// `spec.ports[0].bar`) are returned sorted, for the fieldValidation warning or Strict error. At a
// resource root (and in embedded resources) apiVersion and kind are kept and metadata is pruned to
// ObjectMeta, as the apiextensions pruning algorithm and ObjectMeta coercion do.

import { childPath } from './field-errors.js';
import { type Schema, type SchemaResolver } from './schema.js';
import { isRecord } from '../types.js';

export interface PruneContext {
  readonly resolve: SchemaResolver;
  /** The ObjectMeta schema `metadata` is pruned with at a resource root. */
  readonly objectMeta: Schema;
}

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** Prunes `obj` (a whole object) in place and returns the unknown field paths, sorted. */
export function pruneObject(obj: Record<string, unknown>, root: Schema | undefined, ctx: PruneContext): string[] {
  const unknown: string[] = [];
  const schema: Schema = { ...(root === undefined ? {} : ctx.resolve(root)), 'x-kubernetes-embedded-resource': true };
  prune(obj, schema, '', ctx, unknown);
  return unknown.sort();
}

function pruneMetadata(value: unknown, path: string, ctx: PruneContext, unknown: string[]): void {
  if (isRecord(value)) prune(value, ctx.objectMeta, path, ctx, unknown);
}

function prune(x: unknown, s: Schema | undefined, path: string, ctx: PruneContext, unknown: string[]): void {
  const schema = s === undefined ? undefined : ctx.resolve(s);
  if (schema?.['x-kubernetes-preserve-unknown-fields'] === true) {
    skipPrune(x, schema, path, ctx, unknown);
    return;
  }
  if (isRecord(x)) {
    for (const [k, v] of Object.entries(x)) {
      if (schema?.['x-kubernetes-embedded-resource'] === true && META_FIELDS.has(k)) {
        if (k === 'metadata') pruneMetadata(v, childPath(path, k), ctx, unknown);
        continue;
      }
      const prop = schema?.properties?.[k];
      const additional = schema?.additionalProperties;
      if (prop !== undefined) prune(v, prop, childPath(path, k), ctx, unknown);
      else if (typeof additional === 'object') prune(v, additional, childPath(path, k), ctx, unknown);
      else if (additional === true) continue;
      else {
        unknown.push(childPath(path, k));
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => prune(v, schema?.items, childPath(path, i), ctx, unknown));
  }
}

/** Under x-kubernetes-preserve-unknown-fields: unknown fields stay, declared ones are pruned inside. */
function skipPrune(x: unknown, schema: Schema, path: string, ctx: PruneContext, unknown: string[]): void {
  if (isRecord(x)) {
    for (const [k, v] of Object.entries(x)) {
      if (schema['x-kubernetes-embedded-resource'] === true && META_FIELDS.has(k)) {
        if (k === 'metadata') pruneMetadata(v, childPath(path, k), ctx, unknown);
        continue;
      }
      const prop = schema.properties?.[k];
      const additional = schema.additionalProperties;
      if (prop !== undefined) prune(v, prop, childPath(path, k), ctx, unknown);
      else if (typeof additional === 'object') prune(v, additional, childPath(path, k), ctx, unknown);
    }
  } else if (Array.isArray(x) && schema.items !== undefined) {
    const items = ctx.resolve(schema.items);
    x.forEach((v, i) => skipPrune(v, items, childPath(path, i), ctx, unknown));
  }
}
