// The required fields of a built-in object's schema (a container's name, a Deployment's selector,
// an owner reference's uid, ...), reported as "Required value" where the apiserver's validation of
// that kind reports a missing field.

import { childPath, fieldErrors, type FieldError } from './field-errors.js';
import type { Schema, SchemaResolver } from './schema.js';
import { isRecord } from '../types.js';

export function missingRequired(x: unknown, s: Schema, resolve: SchemaResolver, path = ''): FieldError[] {
  const schema = resolve(s);
  const errs: FieldError[] = [];
  if (isRecord(x)) {
    if (schema['x-kubernetes-preserve-unknown-fields'] === true) return errs;
    for (const r of schema.required ?? []) {
      if (x[r] === undefined || x[r] === null) errs.push(fieldErrors.required(childPath(path, r)));
    }
    for (const [k, v] of Object.entries(x)) {
      const p = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (p !== undefined) errs.push(...missingRequired(v, p, resolve, childPath(path, k)));
    }
  } else if (Array.isArray(x) && schema.items !== undefined) {
    const items = schema.items;
    x.forEach((v, i) => errs.push(...missingRequired(v, items, resolve, childPath(path, i))));
  }
  return errs;
}
