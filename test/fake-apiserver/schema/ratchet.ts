// Validation ratcheting (CRDValidationRatcheting, on by default since Kubernetes 1.30): on an
// update, an error about a value that is the same as in the old object is dropped, so objects
// stored under an older, looser schema can still be updated elsewhere. List items count as the
// same only while their whole list is.

import type { FieldError } from './field-errors.js';
import { isRecord } from '../types.js';

function tokens(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) return [];
    if (m[1] !== '') out.push(m[1] ?? '');
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function at(obj: unknown, path: (string | number)[]): unknown {
  let node = obj;
  for (const t of path) {
    if (typeof t === 'number' ? !Array.isArray(node) : !isRecord(node)) return undefined;
    node = (node as Record<string | number, unknown>)[t];
  }
  return node;
}

function same(a: unknown, b: unknown): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** The errors that still count on an update from `old` (all of them on a create). */
export function ratchet(errs: readonly FieldError[], obj: unknown, old: unknown): FieldError[] {
  if (old === undefined) return [...errs];
  return errs.filter((e) => {
    const path = tokens(e.field);
    // A missing required field is judged by the object that should hold it.
    const where = e.type === 'FieldValueRequired' ? path.slice(0, -1) : path;
    // Items of a list are only matched up when the whole list is unchanged (the atomic-list rule;
    // correlating list-type map items by key, as the apiserver also does, is not done here).
    for (let i = 0; i < where.length; i++) {
      if (typeof where[i] === 'number' && !same(at(obj, where.slice(0, i)), at(old, where.slice(0, i)))) return true;
    }
    return !same(at(obj, where), at(old, where));
  });
}
