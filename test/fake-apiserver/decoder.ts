// Decoding of a write's body as the apiserver does it before any storage logic: unknown fields
// pruned and reported per the request's fieldValidation (Strict: an error; Warn: a warning each;
// Ignore: silence), built-in objects checked against their Go types, custom resources defaulted
// from their schema, and nulls the schema does not allow dropped.

import { ApiError, badRequest, invalidFields } from './api-error.js';
import type { ResourceDef } from './resources.js';
import { applyDefaults, dropNonNullableNulls } from './schema/defaults.js';
import { fieldErrors } from './schema/field-errors.js';
import { goDecodeError } from './schema/go-decode.js';
import { pruneObject } from './schema/prune.js';
import { resourceSchema } from './schema/resource-schema.js';
import { deepClone, isRecord } from './types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(value)}: supported values: "", "Ignore", "Strict", "Warn"`);
}

/** How the written object arrived: a whole body (POST/PUT) or the result of applying a patch. */
export type WriteForm = { readonly kind: 'body' } | { readonly kind: 'patch'; readonly shown: string };

export interface Decoded {
  readonly obj: unknown;
  readonly warnings: readonly string[];
}

function decodeFailure(def: ResourceDef, version: string, form: WriteForm, message: string): ApiError {
  if (form.kind === 'patch') {
    return invalidFields({ group: '', kind: '' }, '', [fieldErrors.invalid('patch', form.shown, message)]);
  }
  return badRequest(`${def.kind} in version ${JSON.stringify(version)} cannot be handled as a ${def.kind}: ${message}`);
}

export function decodeWrite(def: ResourceDef, version: string, body: unknown, validation: FieldValidation, form: WriteForm = { kind: 'body' }): Decoded {
  if (!isRecord(body)) return { obj: body, warnings: [] };
  const schema = resourceSchema(def, version);
  if (schema === undefined) return { obj: body, warnings: [] };
  const obj = deepClone(body);
  const unknown = pruneObject(obj, schema.root, schema);
  if (schema.builtin) {
    const typeError = goDecodeError(obj, schema.root, schema.resolve);
    if (typeError !== undefined) throw decodeFailure(def, version, form, typeError);
  }
  const problems = unknown.map((path) => `unknown field ${JSON.stringify(path)}`);
  if (problems.length > 0 && validation === 'Strict') {
    throw decodeFailure(def, version, form, `strict decoding error: ${problems.join(', ')}`);
  }
  if (!schema.builtin) applyDefaults(obj, schema.root, schema.resolve);
  dropNonNullableNulls(obj, schema.root, schema.resolve);
  return { obj, warnings: validation === 'Warn' ? problems : [] };
}
