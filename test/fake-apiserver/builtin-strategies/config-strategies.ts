// Secrets and ConfigMaps as the apiserver stores them: a Secret's write-only stringData merged into
// data (base64) and its type defaulted to Opaque, data that is not base64 refused, and the
// contents of an object marked immutable frozen.

import { badRequest, invalidFields } from '../api-error.js';
import type { KindStrategy } from '../kind-strategies.js';
import { fieldErrors, type FieldError } from '../schema/field-errors.js';
import { isRecord, type KubeObject } from '../types.js';

const BASE64 = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function immutableErrors(obj: KubeObject, old: KubeObject, fields: readonly string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (JSON.stringify(obj[f] ?? {}) !== JSON.stringify(old[f] ?? {})) errs.push(fieldErrors.forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

function prepareSecret(obj: KubeObject): void {
  obj.type ??= 'Opaque';
  const data: Record<string, unknown> = isRecord(obj.data) ? obj.data : {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string' || !BASE64.test(v)) throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (data[${JSON.stringify(k)}])`);
  }
  if (isRecord(obj.stringData)) {
    for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete obj.stringData;
  }
  if (Object.keys(data).length > 0) obj.data = data;
}

export const secretStrategy: KindStrategy = {
  prepareCreate(obj) {
    prepareSecret(obj);
  },
  prepareUpdate(obj, old) {
    prepareSecret(obj);
    if (obj.type !== old.type) throw invalidFields({ group: '', kind: 'Secret' }, obj.metadata.name ?? '', [fieldErrors.invalid('type', obj.type, 'field is immutable')]);
    const errs = immutableErrors(obj, old, ['data']);
    if (errs.length > 0) throw invalidFields({ group: '', kind: 'Secret' }, obj.metadata.name ?? '', errs);
  },
};

export const configMapStrategy: KindStrategy = {
  prepareUpdate(obj, old) {
    const errs = immutableErrors(obj, old, ['data', 'binaryData']);
    if (errs.length > 0) throw invalidFields({ group: '', kind: 'ConfigMap' }, obj.metadata.name ?? '', errs);
  },
};
