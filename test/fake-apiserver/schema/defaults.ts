// Structural defaulting as the apiserver applies it while decoding a custom resource: a property's
// `default` fills it when absent (or null but not nullable), items and map values included; then
// nulls the schema neither allows nor defaults are dropped.

import { type Schema, type SchemaResolver } from './schema.js';
import { deepClone, isRecord } from '../types.js';

function nonNullableNull(v: unknown, s: Schema): boolean {
  return v === null && s.nullable !== true;
}

export function applyDefaults(x: unknown, s: Schema | undefined, resolve: SchemaResolver): void {
  if (s === undefined) return;
  const schema = resolve(s);
  if (isRecord(x)) {
    for (const [k, p] of Object.entries(schema.properties ?? {})) {
      const prop = resolve(p);
      if (prop.default === undefined) continue;
      if (!(k in x) || nonNullableNull(x[k], prop)) x[k] = deepClone(prop.default);
    }
    const additional = typeof schema.additionalProperties === 'object' ? resolve(schema.additionalProperties) : undefined;
    for (const [k, v] of Object.entries(x)) {
      const prop = schema.properties?.[k];
      if (prop !== undefined) applyDefaults(v, prop, resolve);
      else if (additional !== undefined) {
        if (additional.default !== undefined && nonNullableNull(v, additional)) x[k] = deepClone(additional.default);
        applyDefaults(x[k], additional, resolve);
      }
    }
  } else if (Array.isArray(x) && schema.items !== undefined) {
    const items = resolve(schema.items);
    x.forEach((v, i) => {
      if (items.default !== undefined && nonNullableNull(v, items)) x[i] = deepClone(items.default);
      applyDefaults(x[i], items, resolve);
    });
  }
}

/** Drops object properties that are null where the schema neither allows null nor has a default. */
export function dropNonNullableNulls(x: unknown, s: Schema | undefined, resolve: SchemaResolver): void {
  if (s === undefined) return;
  const schema = resolve(s);
  if (isRecord(x)) {
    const additional = typeof schema.additionalProperties === 'object' ? resolve(schema.additionalProperties) : undefined;
    for (const [k, v] of Object.entries(x)) {
      const p = schema.properties?.[k];
      const prop = p !== undefined ? resolve(p) : additional;
      if (prop === undefined) continue;
      if (v === null && prop.nullable !== true && prop.default === undefined && prop['x-kubernetes-preserve-unknown-fields'] !== true) {
        delete x[k];
        continue;
      }
      dropNonNullableNulls(v, prop, resolve);
    }
  } else if (Array.isArray(x) && schema.items !== undefined) {
    for (const v of x) dropNonNullableNulls(v, schema.items, resolve);
  }
}
