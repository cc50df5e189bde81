// Label and field selectors as the apiserver parses them from `labelSelector` / `fieldSelector`
// query parameters, and matching against an object's metadata.

import { badRequest } from './api-error.js';
import type { KubeObject } from './types.js';

type LabelRequirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: readonly string[] };

export type LabelSelector = readonly LabelRequirement[];

export interface FieldRequirement {
  readonly field: 'metadata.name' | 'metadata.namespace';
  readonly op: 'eq' | 'neq';
  readonly value: string;
}

export type FieldSelector = readonly FieldRequirement[];

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${whole}"`);
  return key;
}

function checkValue(value: string, whole: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in "${whole}"`);
  }
  return value;
}

function parseLabelRequirement(part: string, whole: string): LabelRequirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (setMatch !== null) {
    const key = checkKey(setMatch[1] ?? '', whole);
    const values = (setMatch[3] ?? '').split(',').map((v) => checkValue(v.trim(), whole));
    return { op: setMatch[2] === 'in' ? 'in' : 'notin', key, values };
  }
  const opMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
  if (opMatch !== null) {
    const key = checkKey(opMatch[1] ?? '', whole);
    const value = checkValue((opMatch[3] ?? '').trim(), whole);
    return { op: opMatch[2] === '!=' ? 'neq' : 'eq', key, value };
  }
  if (part.startsWith('!')) return { op: 'notexists', key: checkKey(part.slice(1).trim(), whole) };
  return { op: 'exists', key: checkKey(part, whole) };
}

export function parseLabelSelector(text: string | null): LabelSelector {
  if (text === null || text.trim() === '') return [];
  return splitTopLevel(text).map((part) => {
    if (part === '') throw badRequest(`unable to parse requirement: empty requirement in "${text}"`);
    return parseLabelRequirement(part, text);
  });
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const req of selector) {
    const has = labels !== undefined && Object.hasOwn(labels, req.key);
    const value = has ? labels[req.key] : undefined;
    switch (req.op) {
      case 'eq':
        if (value !== req.value) return false;
        break;
      case 'neq':
        if (value === req.value) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case 'notexists':
        if (has) return false;
        break;
      case 'in':
        if (value === undefined || !req.values.includes(value)) return false;
        break;
      case 'notin':
        if (value !== undefined && req.values.includes(value)) return false;
        break;
    }
  }
  return true;
}

export function parseFieldSelector(text: string | null): FieldSelector {
  if (text === null || text.trim() === '') return [];
  return text.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (m === null) throw badRequest(`invalid field selector: "${part}"`);
    const field = m[1] ?? '';
    if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3] ?? '' };
  });
}

export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  for (const req of selector) {
    const actual = req.field === 'metadata.name' ? (obj.metadata.name ?? '') : (obj.metadata.namespace ?? '');
    if ((actual === req.value) !== (req.op === 'eq')) return false;
  }
  return true;
}
