// /openapi/v2: one Swagger 2.0 document for everything served, as JSON or, for clients that ask for
// it (kubectl before 1.27 always does), in gnostic's protobuf encoding. Custom resource schemas are
// published the way the apiserver turns them into OpenAPI v2: no nullable, no anyOf/oneOf/not,
// int-or-string without a type, and nothing below x-kubernetes-preserve-unknown-fields.

import type { ResourceTable } from '../resources.js';
import { SERVER_VERSION } from '../discovery.js';
import { definitionsFor, parameterType, pathsFor, type ServedVersion } from './openapi-model.js';

function toV2(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toV2);
  if (typeof s !== 'object' || s === null) return s;
  const obj = { ...(s as Record<string, unknown>) };
  for (const k of ['nullable', 'anyOf', 'oneOf', 'not', 'x-kubernetes-validations']) delete obj[k];
  if (obj['x-kubernetes-int-or-string'] === true) delete obj.type;
  if (obj['x-kubernetes-preserve-unknown-fields'] === true) {
    for (const k of ['type', 'properties', 'items', 'additionalProperties']) delete obj[k];
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = k === 'x-kubernetes-group-version-kind' || k === 'enum' || k === 'default' || k === 'example' ? v : toV2(v);
  }
  return out;
}

function served(table: ResourceTable): ServedVersion[] {
  return table.all.flatMap((def) => def.versions.map((version) => ({ def, version })));
}

export function openApiV2Document(table: ResourceTable): Record<string, unknown> {
  const all = served(table);
  const paths: Record<string, unknown> = {};
  for (const p of pathsFor(all)) {
    const item: Record<string, unknown> = {
      parameters: p.pathParameters.map((name) => ({ name, in: 'path', required: true, type: 'string', uniqueItems: true })),
    };
    for (const op of p.operations) {
      item[op.method] = {
        operationId: op.operationId,
        consumes: ['*/*'],
        produces: ['application/json'],
        parameters: op.parameters.map((name) => ({ name, in: 'query', type: parameterType(name), uniqueItems: true })),
        responses: { '200': { description: 'OK', schema: { $ref: `#/definitions/${op.response}` } } },
        'x-kubernetes-action': op.action,
        'x-kubernetes-group-version-kind': op.gvk,
      };
    }
    paths[p.path] = item;
  }
  const definitions: Record<string, unknown> = {};
  for (const [name, schema] of definitionsFor(all)) definitions[name] = toV2(schema);
  return { swagger: '2.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths, definitions };
}
