// /openapi/v3: the root listing one document per group-version (with the content hash in its URL,
// as the apiserver serves it) and each group-version's OpenAPI 3.0 document, which kubectl reads
// to learn that PATCH takes fieldValidation and, for built-in kinds, the patch merge keys.

import { createHash } from 'node:crypto';
import type { ResourceTable } from '../resources.js';
import type { Schema } from '../schema/schema.js';
import { SERVER_VERSION } from '../discovery.js';
import { definitionsFor, parameterType, pathsFor, type ServedVersion } from './openapi-model.js';

/** `api/v1`, `apis/apps/v1`, ... for every served group-version. */
function groupVersionPaths(table: ResourceTable): Map<string, ServedVersion[]> {
  const out = new Map<string, ServedVersion[]>();
  for (const def of table.all) {
    for (const version of def.versions) {
      const key = def.group === '' ? `api/${version}` : `apis/${def.group}/${version}`;
      const list = out.get(key) ?? [];
      list.push({ def, version });
      out.set(key, list);
    }
  }
  return out;
}

/** A schema with refs rewritten for OpenAPI 3 (a ref with siblings wrapped in allOf, as kube-openapi does). */
function toV3(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toV3);
  if (typeof s !== 'object' || s === null) return s;
  const obj = s as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'x-kubernetes-group-version-kind' || k === 'enum' || k === 'default') out[k] = v;
    else if (k === '$ref') continue;
    else out[k] = toV3(v);
  }
  if (typeof obj.$ref === 'string') {
    const ref = obj.$ref.replace('#/definitions/', '#/components/schemas/');
    return Object.keys(out).length === 0 ? { $ref: ref } : { ...out, allOf: [{ $ref: ref }] };
  }
  return out;
}

function document(served: readonly ServedVersion[]): object {
  const paths: Record<string, unknown> = {};
  for (const p of pathsFor(served)) {
    const item: Record<string, unknown> = {
      parameters: p.pathParameters.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } })),
    };
    for (const op of p.operations) {
      const ref = { $ref: `#/components/schemas/${op.response}` };
      item[op.method] = {
        operationId: op.operationId,
        parameters: op.parameters.map((name) => ({ name, in: 'query', schema: { type: parameterType(name), uniqueItems: true } })),
        ...(op.method === 'put' || op.method === 'post' ? { requestBody: { content: { '*/*': { schema: ref } }, required: true } } : {}),
        ...(op.method === 'patch' ? { requestBody: { content: Object.fromEntries(op.patchTypes.map((t) => [t, { schema: { type: 'object' } }])), required: true } } : {}),
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
        'x-kubernetes-action': op.action,
        'x-kubernetes-group-version-kind': op.gvk,
      };
    }
    paths[p.path] = item;
  }
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of definitionsFor(served)) schemas[name] = toV3(schema as Schema);
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths, components: { schemas } };
}

export interface OpenApiV3 {
  /** The root document: every group-version with its hashed URL. */
  root(): object;
  /** The document of `gvPath` (`apis/apps/v1`) with its hash, or undefined when not served. */
  groupVersion(gvPath: string): { doc: string; hash: string } | undefined;
}

export function openApiV3(table: ResourceTable): OpenApiV3 {
  // Documents are rendered once per state of the table (it changes only when a CRD does).
  let cache: { all: unknown; docs: Map<string, { doc: string; hash: string }> } | undefined;
  const docs = (): Map<string, { doc: string; hash: string }> => {
    if (cache?.all !== table.all) {
      const rendered = new Map<string, { doc: string; hash: string }>();
      for (const [gv, served] of groupVersionPaths(table)) {
        const doc = JSON.stringify(document(served));
        rendered.set(gv, { doc, hash: createHash('sha512').update(doc).digest('hex').toUpperCase() });
      }
      cache = { all: table.all, docs: rendered };
    }
    return cache.docs;
  };
  return {
    root() {
      const paths: Record<string, unknown> = {};
      for (const [gv, { hash }] of docs()) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
      return { paths };
    },
    groupVersion(gvPath) {
      return docs().get(gvPath);
    },
  };
}
