// The two patch formats the fake server applies: JSON merge patch (RFC 7386; strategic merge patch
// is accepted and applied as a merge patch, which differs only for lists with merge keys) and JSON
// patch (RFC 6902).

import { ApiError, badRequest } from './api-error.js';
import { deepClone, isRecord } from './types.js';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return deepClone(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map(unescapeToken);
}

type Container = Record<string, unknown> | unknown[];

function parentOf(doc: unknown, tokens: string[], pointer: string): { parent: Container; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isRecord(node)) node = node[token];
    else node = undefined;
  }
  const key = tokens[tokens.length - 1];
  if (key === undefined || !(Array.isArray(node) || isRecord(node))) {
    throw new ApiError({ ...badRequest(`the server rejected our request due to an error in our request: path ${pointer} not found`).status, code: 422, reason: 'Invalid' });
  }
  return { parent: node, key };
}

function getAt(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isRecord(node)) node = node[token];
    else return undefined;
  }
  return node;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const { parent, key } = parentOf(doc, pointerTokens(pointer), pointer);
  if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0];
  const old = parent[key];
  if (!Object.hasOwn(parent, key)) throw badRequest(`unable to remove nonexistent key: ${key}`);
  delete parent[key];
  return old;
}

function addAt(doc: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0) return deepClone(value);
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw badRequest(`index out of range: ${key}`);
    parent.splice(index, replace ? 1 : 0, deepClone(value));
  } else {
    if (replace && !Object.hasOwn(parent, key)) throw badRequest(`replace operation does not apply: doc is missing key: ${pointer}`);
    parent[key] = deepClone(value);
  }
  return doc;
}

export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch must be an array of operations');
  let doc = deepClone(target);
  for (const op of operations) {
    if (!isRecord(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw badRequest('invalid json patch operation');
    }
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, op.value, false);
        break;
      case 'replace':
        doc = addAt(doc, op.path, op.value, true);
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw badRequest(`${op.op} operation needs "from"`);
        const value = op.op === 'move' ? removeAt(doc, op.from) : deepClone(getAt(doc, op.from));
        doc = addAt(doc, op.path, value, false);
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) {
          throw new ApiError({ ...badRequest(`testing value ${op.path} failed`).status, code: 422, reason: 'Invalid' });
        }
        break;
      default:
        throw badRequest(`unknown json patch operation "${op.op}"`);
    }
  }
  return doc;
}
