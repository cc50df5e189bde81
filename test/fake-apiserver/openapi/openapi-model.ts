// What the OpenAPI documents publish for a set of served resources: the schema definitions (the
// built-in kinds' from builtin-schemas, each custom resource's from its CRD with metadata as
// ObjectMeta, named like the apiserver names them: io.x-k8s.multicluster.v1beta1.ServiceImport)
// and the path operations (list/create, get/replace/patch/delete, status) with the query
// parameters clients look for, fieldValidation among them.

import { apiVersionOf, type ResourceDef } from '../resources.js';
import { builtinSchemas, definitionName } from '../schema/builtin-schemas.js';
import type { Schema } from '../schema/schema.js';

export interface ServedVersion {
  readonly def: ResourceDef;
  readonly version: string;
}

export interface Operation {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly operationId: string;
  readonly action: string;
  readonly gvk: { readonly group: string; readonly version: string; readonly kind: string };
  readonly parameters: readonly string[];
  /** Definition name of the response body. */
  readonly response: string;
  /** The patch media types a PATCH takes (strategic merge patch for built-in kinds only). */
  readonly patchTypes: readonly string[];
}

export interface PathOperations {
  readonly path: string;
  readonly operations: readonly Operation[];
  readonly pathParameters: readonly string[];
}

// Server-side apply is not implemented here, so application/apply-patch+yaml is not offered.
const BUILTIN_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const CUSTOM_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json'];
const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'];
const LIST_PARAMS = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'];

function reversedGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

/** The definition name a served kind's schema is published under. */
export function kindDefinitionName(def: ResourceDef, version: string): string {
  if (def.crd) return `${reversedGroup(def.group)}.${version}.${def.kind}`;
  return definitionName(`V1${def.kind}`);
}

function customSchema(def: ResourceDef, version: string): Schema {
  const v = def.custom?.versions.find((x) => x.name === version);
  const base: Schema = structuredClone(v?.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  base.properties = {
    ...base.properties,
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { $ref: `#/definitions/${definitionName('V1ObjectMeta')}` },
  };
  base['x-kubernetes-group-version-kind'] = [{ group: def.group, version, kind: def.kind }];
  return base;
}

/** Definitions (named, with `#/definitions/` refs) for the served kinds and all they refer to. */
export function definitionsFor(served: readonly ServedVersion[]): Map<string, Schema> {
  const builtins = builtinSchemas();
  const roots = new Set<string>([definitionName('V1ObjectMeta')]);
  const out = new Map<string, Schema>();
  for (const { def, version } of served) {
    if (def.crd) out.set(kindDefinitionName(def, version), customSchema(def, version));
    else roots.add(kindDefinitionName(def, version));
  }
  for (const [name, schema] of builtins.reachable(roots)) out.set(name, schema);
  return out;
}

export function pathsFor(served: readonly ServedVersion[]): PathOperations[] {
  const out: PathOperations[] = [];
  for (const { def, version } of served) {
    const gvk = { group: def.group, version, kind: def.kind };
    const prefix = def.group === '' ? `/api/${version}` : `/apis/${def.group}/${version}`;
    const base = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
    const kindDef = kindDefinitionName(def, version);
    const id = `${def.kind}${apiVersionOf(def.group, version).replace(/[^A-Za-z0-9]/g, '')}`;
    const scope = def.namespaced ? 'Namespaced' : '';
    const nsParams = def.namespaced ? ['namespace'] : [];
    const patchTypes = def.crd ? CUSTOM_PATCH_TYPES : BUILTIN_PATCH_TYPES;
    out.push({
      path: base,
      pathParameters: nsParams,
      operations: [
        { method: 'get', operationId: `list${scope}${id}`, action: 'list', gvk, parameters: LIST_PARAMS, response: kindDef, patchTypes },
        { method: 'post', operationId: `create${scope}${id}`, action: 'post', gvk, parameters: WRITE_PARAMS, response: kindDef, patchTypes },
      ],
    });
    const item = (suffix: string, what: string): PathOperations => ({
      path: `${base}/{name}${suffix}`,
      pathParameters: [...nsParams, 'name'],
      operations: [
        { method: 'get', operationId: `read${scope}${id}${what}`, action: 'get', gvk, parameters: [], response: kindDef, patchTypes },
        { method: 'put', operationId: `replace${scope}${id}${what}`, action: 'put', gvk, parameters: WRITE_PARAMS, response: kindDef, patchTypes },
        { method: 'patch', operationId: `patch${scope}${id}${what}`, action: 'patch', gvk, parameters: [...WRITE_PARAMS, 'force'], response: kindDef, patchTypes },
        ...(suffix === '' ? [{ method: 'delete' as const, operationId: `delete${scope}${id}`, action: 'delete', gvk, parameters: ['dryRun', 'gracePeriodSeconds', 'propagationPolicy'], response: kindDef, patchTypes }] : []),
      ],
    });
    out.push(item('', ''));
    if (def.statusSubresource) out.push(item('/status', 'Status'));
  }
  return out;
}

export function parameterType(name: string): 'string' | 'boolean' | 'integer' {
  if (name === 'force' || name === 'watch' || name === 'allowWatchBookmarks' || name === 'sendInitialEvents') return 'boolean';
  if (name === 'limit' || name === 'timeoutSeconds' || name === 'gracePeriodSeconds') return 'integer';
  return 'string';
}
