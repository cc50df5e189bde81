// The first place where a built-in object's JSON does not fit its Go type, worded as the
// apiserver's JSON decoder reports it ("json: cannot unmarshal string into Go struct field
// ServicePort.spec.ports.port of type int32"); custom resources decode into unstructured content
// and never fail here (their schema validation reports types instead).

import { jsonTypeOf, type Schema, type SchemaResolver } from './schema.js';
import { isRecord } from '../types.js';

const JSON_NAMES: Record<string, string> = { string: 'string', integer: 'number', number: 'number', boolean: 'bool', array: 'array', object: 'object' };

function bareName(ref: string): string {
  const parts = ref.replace(/^#\/definitions\//, '').split('.');
  return `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? ''}`;
}

function goType(s: Schema, resolve: SchemaResolver): string {
  if (s.$ref !== undefined) return s.$ref.endsWith('IntOrString') ? 'intstr.IntOrString' : bareName(s.$ref);
  const r = resolve(s);
  if (r['x-kubernetes-int-or-string'] === true) return 'resource.Quantity';
  switch (r.type) {
    case 'integer':
      return r.format ?? 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${r.items !== undefined ? goType(r.items, resolve) : 'interface {}'}`;
    case 'object':
      return typeof r.additionalProperties === 'object' ? `map[string]${goType(r.additionalProperties, resolve)}` : 'map[string]interface {}';
    default:
      return r.type ?? 'interface {}';
  }
}

function fits(value: unknown, s: Schema): boolean {
  if (value === null || s['x-kubernetes-preserve-unknown-fields'] === true) return true;
  const t = jsonTypeOf(value);
  if (s['x-kubernetes-int-or-string'] === true || s.format === 'int-or-string') return t === 'string' || t === 'integer';
  switch (s.type) {
    case undefined:
      return true;
    case 'number':
      return t === 'number' || t === 'integer';
    default:
      return t === s.type;
  }
}

/** The decode error message for the first mismatch, or undefined when the object fits. */
export function goDecodeError(obj: unknown, root: Schema, resolve: SchemaResolver): string | undefined {
  const walk = (x: unknown, s: Schema, struct: string, path: string): string | undefined => {
    const r = resolve(s);
    const owner = s.$ref !== undefined ? bareName(s.$ref).split('.')[1] ?? struct : struct;
    if (!fits(x, r)) {
      return `json: cannot unmarshal ${JSON_NAMES[jsonTypeOf(x)] ?? 'value'} into Go struct field ${struct}.${path} of type ${goType(s, resolve)}`;
    }
    if (isRecord(x) && r['x-kubernetes-preserve-unknown-fields'] !== true) {
      for (const [k, v] of Object.entries(x)) {
        const p = r.properties?.[k] ?? (typeof r.additionalProperties === 'object' ? r.additionalProperties : undefined);
        if (p === undefined) continue;
        const err = walk(v, p, owner, path === '' ? k : `${path}.${k}`);
        if (err !== undefined) return err;
      }
    } else if (Array.isArray(x) && r.items !== undefined) {
      for (const v of x) {
        const err = walk(v, r.items, struct, path);
        if (err !== undefined) return err;
      }
    }
    return undefined;
  };
  return walk(obj, root, '', '');
}
