// OpenAPI v3 schema validation of a decoded object, with the error types and wording the
// apiextensions-apiserver turns kube-openapi's results into (type, required, enum, string length,
// pattern, numeric bounds, item counts, formats), plus x-kubernetes-list-type set/map uniqueness.

import { childPath, fieldErrors, type FieldError } from './field-errors.js';
import { jsonTypeOf, type Schema, type SchemaResolver } from './schema.js';
import { isRecord } from '../types.js';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const BYTE = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

const patternCache = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

function formatOk(format: string, value: string): boolean {
  switch (format) {
    case 'date-time':
    case 'datetime':
      return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')));
    case 'date':
      return DATE.test(value);
    case 'byte':
      return BYTE.test(value);
    case 'uuid':
      return UUID.test(value);
    default:
      // The remaining formats (int32, int64, int-or-string, hostname, ...) are not checked on strings.
      return true;
  }
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = jsonTypeOf(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return actual === type;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

export class SchemaValidator {
  constructor(private readonly resolve: SchemaResolver) {}

  /** Errors of a whole object against its root schema; apiVersion, kind and metadata are left out. */
  validateObject(obj: Record<string, unknown>, root: Schema): FieldError[] {
    const schema = this.resolve(root);
    const rest = { ...obj };
    delete rest.apiVersion;
    delete rest.kind;
    delete rest.metadata;
    const trimmed: Schema = { ...schema, ...(schema.required !== undefined ? { required: schema.required.filter((r) => r !== 'metadata') } : {}) };
    return this.validate(rest, trimmed, '');
  }

  validate(x: unknown, s: Schema, path: string): FieldError[] {
    const schema = this.resolve(s);
    const errs: FieldError[] = [];
    const where = path === '' ? '<root>' : path;

    if (x === null) {
      if (schema.nullable === true || schema.type === undefined) return errs;
      errs.push(fieldErrors.typeInvalid(path, 'null', `${where} in body must be of type ${schema.type}: "null"`));
      return errs;
    }
    if (schema['x-kubernetes-int-or-string'] === true) {
      const t = jsonTypeOf(x);
      if (t !== 'integer' && t !== 'string') {
        errs.push(fieldErrors.typeInvalid(path, t, `${where} in body must be of type integer,string: "${t}"`));
        return errs;
      }
    } else if (schema.type !== undefined && !typeMatches(schema.type, x)) {
      const t = jsonTypeOf(x);
      errs.push(fieldErrors.typeInvalid(path, t, `${where} in body must be of type ${schema.type}: "${t}"`));
      return errs;
    }

    for (const sub of schema.allOf ?? []) errs.push(...this.validate(x, sub, path));
    if (schema.anyOf !== undefined && !schema.anyOf.some((sub) => this.validate(x, sub, path).length === 0)) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body must validate at least one schema (anyOf)`));
    }
    if (schema.oneOf !== undefined && schema.oneOf.filter((sub) => this.validate(x, sub, path).length === 0).length !== 1) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body must validate one and only one schema (oneOf)`));
    }
    if (schema.not !== undefined && this.validate(x, schema.not, path).length === 0) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body must not validate the schema (not)`));
    }
    if (schema.enum !== undefined && !schema.enum.some((e) => sameJson(e, x))) {
      errs.push(fieldErrors.notSupported(path, x, schema.enum));
    }

    if (typeof x === 'string') this.validateString(x, schema, path, where, errs);
    else if (typeof x === 'number') this.validateNumber(x, schema, path, where, errs);
    else if (Array.isArray(x)) this.validateArray(x, schema, path, where, errs);
    else if (isRecord(x)) this.validateMap(x, schema, path, where, errs);
    return errs;
  }

  private validateString(x: string, s: Schema, path: string, where: string, errs: FieldError[]): void {
    const length = [...x].length;
    if (s.maxLength !== undefined && length > s.maxLength) errs.push(fieldErrors.tooLong(path, x, s.maxLength));
    if (s.minLength !== undefined && length < s.minLength) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body should be at least ${s.minLength} chars long`));
    }
    if (s.pattern !== undefined && !compiled(s.pattern).test(x)) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body should match '${s.pattern}'`));
    }
    if (s.format !== undefined && !formatOk(s.format, x)) {
      errs.push(fieldErrors.typeInvalid(path, x, `${where} in body must be of type ${s.format}: ${JSON.stringify(x)}`));
    }
  }

  private validateNumber(x: number, s: Schema, path: string, where: string, errs: FieldError[]): void {
    if (s.maximum !== undefined && (s.exclusiveMaximum === true ? x >= s.maximum : x > s.maximum)) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body should be less than ${s.exclusiveMaximum === true ? '' : 'or equal to '}${s.maximum}`));
    }
    if (s.minimum !== undefined && (s.exclusiveMinimum === true ? x <= s.minimum : x < s.minimum)) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body should be greater than ${s.exclusiveMinimum === true ? '' : 'or equal to '}${s.minimum}`));
    }
    if (s.multipleOf !== undefined && s.multipleOf !== 0 && !Number.isInteger(x / s.multipleOf)) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body should be a multiple of ${s.multipleOf}`));
    }
  }

  private validateArray(x: unknown[], s: Schema, path: string, where: string, errs: FieldError[]): void {
    if (s.maxItems !== undefined && x.length > s.maxItems) errs.push(fieldErrors.tooMany(path, x.length, s.maxItems));
    if (s.minItems !== undefined && x.length < s.minItems) {
      errs.push(fieldErrors.invalid(path, x.length, `${where} in body should have at least ${s.minItems} items`));
    }
    if (s.uniqueItems === true && new Set(x.map((v) => JSON.stringify(canonical(v)))).size !== x.length) {
      errs.push(fieldErrors.invalid(path, x, `${where} in body shouldn't contain duplicates`));
    }
    if (s.items !== undefined) {
      const items = s.items;
      x.forEach((v, i) => errs.push(...this.validate(v, items, childPath(path, i))));
    }
    errs.push(...this.listTypeErrors(x, s, path));
  }

  /** x-kubernetes-list-type: set items and map keys must be unique. */
  private listTypeErrors(x: unknown[], s: Schema, path: string): FieldError[] {
    const errs: FieldError[] = [];
    const listType = s['x-kubernetes-list-type'];
    if (listType === 'set') {
      const seen = new Set<string>();
      x.forEach((v, i) => {
        const key = JSON.stringify(canonical(v));
        if (seen.has(key)) errs.push(fieldErrors.duplicate(childPath(path, i), v));
        seen.add(key);
      });
    } else if (listType === 'map') {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        if (v !== null && !isRecord(v)) return [fieldErrors.invalid(childPath(path, i), v, 'must be an object for an array of list-type map')];
      }
      const items = s.items === undefined ? undefined : this.resolve(s.items);
      const seen = new Set<string>();
      x.forEach((v, i) => {
        if (!isRecord(v)) return;
        const keyValue: Record<string, unknown> = {};
        for (const k of keys) keyValue[k] = k in v ? v[k] : (items?.properties?.[k] !== undefined ? this.resolve(items.properties[k]).default : undefined) ?? null;
        const id = JSON.stringify(canonical(keyValue));
        if (seen.has(id)) errs.push(fieldErrors.duplicate(childPath(path, i), keyValue));
        seen.add(id);
      });
    }
    return errs;
  }

  private validateMap(x: Record<string, unknown>, s: Schema, path: string, where: string, errs: FieldError[]): void {
    for (const r of s.required ?? []) {
      if (!(r in x)) errs.push(fieldErrors.required(childPath(path, r)));
    }
    const count = Object.keys(x).length;
    if (s.maxProperties !== undefined && count > s.maxProperties) errs.push(fieldErrors.tooMany(path, count, s.maxProperties));
    if (s.minProperties !== undefined && count < s.minProperties) {
      errs.push(fieldErrors.invalid(path, count, `${where} in body should have at least ${s.minProperties} properties`));
    }
    const additional = s.additionalProperties;
    for (const [k, v] of Object.entries(x)) {
      const prop = s.properties?.[k];
      if (prop !== undefined) errs.push(...this.validate(v, prop, childPath(path, k)));
      else if (typeof additional === 'object') errs.push(...this.validate(v, additional, childPath(path, k)));
      else if (additional === false) errs.push(fieldErrors.forbidden(childPath(path, k), 'field not declared in schema'));
    }
  }
}
