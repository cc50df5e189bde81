// The schema a write to a resource at a version is decoded and validated with: the custom
// resource's openAPIV3Schema from its CRD, or the built-in kind's schema from builtin-schemas.

import type { ResourceDef } from '../resources.js';
import { builtinSchemas } from './builtin-schemas.js';
import { noRefs, type Schema, type SchemaResolver } from './schema.js';

export interface ResourceSchema {
  readonly root: Schema;
  readonly resolve: SchemaResolver;
  /** The ObjectMeta schema metadata is pruned to. */
  readonly objectMeta: Schema;
  readonly builtin: boolean;
}

export function resourceSchema(def: ResourceDef, version: string): ResourceSchema | undefined {
  const builtins = builtinSchemas();
  if (def.custom !== undefined) {
    const root = def.custom.versions.find((v) => v.name === version)?.schema;
    if (root === undefined) return undefined;
    return { root, resolve: noRefs, objectMeta: builtins.objectMeta, builtin: false };
  }
  const root = builtins.kindSchema(def.group, version, def.kind);
  if (root === undefined) return undefined;
  return { root, resolve: builtins.resolve, objectMeta: builtins.objectMeta, builtin: true };
}
