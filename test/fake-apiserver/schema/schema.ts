// The OpenAPI v3 schema shape the fake API server validates with: the structural subset that
// CustomResourceDefinitions use (JSONSchemaProps with the x-kubernetes-* extensions), plus `$ref`
// and the patch extensions that the built-in kinds' schemas carry. Refs resolve through a lookup.

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface Schema {
  $ref?: string;
  type?: SchemaType;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  uniqueItems?: boolean;
  nullable?: boolean;
  default?: unknown;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  [extension: `x-${string}`]: unknown;
}

/** Turns `$ref` schemas into the schema they name (identity for a schema without `$ref`). */
export type SchemaResolver = (schema: Schema) => Schema;

export const noRefs: SchemaResolver = (s) => {
  if (s.$ref !== undefined) throw new Error(`unresolvable schema reference ${s.$ref}`);
  return s;
};

/** Resolves refs of the form `#/definitions/<name>` or `#/components/schemas/<name>` in `defs`. */
export function resolverFor(defs: ReadonlyMap<string, Schema>): SchemaResolver {
  return (s) => {
    let cur = s;
    for (let hops = 0; cur.$ref !== undefined; hops++) {
      const name = cur.$ref.replace(/^#\/(definitions|components\/schemas)\//, '');
      const next = defs.get(name);
      if (next === undefined || hops > 16) throw new Error(`unresolvable schema reference ${cur.$ref}`);
      cur = next;
    }
    return cur;
  };
}

/** The JSON type of a value as the schema names it (integers are numbers without a fraction). */
export function jsonTypeOf(value: unknown): SchemaType | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    default:
      return 'object';
  }
}

/** A property's schema, from `properties` or `additionalProperties`; undefined when unknown. */
export function propertySchema(schema: Schema, key: string): Schema | undefined {
  const p = schema.properties?.[key];
  if (p !== undefined) return p;
  const ap = schema.additionalProperties;
  return typeof ap === 'object' ? ap : undefined;
}
