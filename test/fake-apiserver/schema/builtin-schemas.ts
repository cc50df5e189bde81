// OpenAPI schemas of the built-in kinds the fake serves, derived from the model classes that
// @kubernetes/client-node generates from Kubernetes' own OpenAPI document: field names and types
// from each model's attributeTypeMap, required fields from its type declaration, patch metadata
// from patch-meta.ts. Definitions carry the real OpenAPI names (io.k8s.api.core.v1.ServiceSpec)
// and refer to each other with `$ref`; they are built once, on first use, by reading the model
// files (no module loading, so tests that never need a schema pay nothing).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PATCH_META, QUANTITY_FIELDS } from './patch-meta.js';
import { resolverFor, type Schema, type SchemaResolver } from './schema.js';

interface Attribute {
  readonly name: string;
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

export interface BuiltinRoot {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** client-node model class name. */
  readonly model: string;
}

/** The built-in kinds whose schemas are built (their model classes, by group/version/kind). */
export const BUILTIN_ROOTS: readonly BuiltinRoot[] = [
  { group: '', version: 'v1', kind: 'Namespace', model: 'V1Namespace' },
  { group: '', version: 'v1', kind: 'Service', model: 'V1Service' },
  { group: '', version: 'v1', kind: 'ServiceAccount', model: 'V1ServiceAccount' },
  { group: '', version: 'v1', kind: 'ConfigMap', model: 'V1ConfigMap' },
  { group: '', version: 'v1', kind: 'Secret', model: 'V1Secret' },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', model: 'V1EndpointSlice' },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', model: 'V1Lease' },
  { group: 'apps', version: 'v1', kind: 'Deployment', model: 'V1Deployment' },
  { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', model: 'V1PodDisruptionBudget' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', model: 'V1ClusterRole' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', model: 'V1ClusterRoleBinding' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', model: 'V1Role' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', model: 'V1RoleBinding' },
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', model: 'V1CustomResourceDefinition' },
];

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const META_TYPES = new Set(['ObjectMeta', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement', 'ManagedFieldsEntry', 'OwnerReference', 'Condition', 'Status', 'StatusDetails', 'StatusCause', 'DeleteOptions', 'Preconditions']);
const PACKAGE_OF_TYPE: Readonly<Record<string, string>> = {
  Deployment: 'apps', DeploymentSpec: 'apps', DeploymentStatus: 'apps', DeploymentStrategy: 'apps', DeploymentCondition: 'apps', RollingUpdateDeployment: 'apps',
  PodDisruptionBudget: 'policy', PodDisruptionBudgetSpec: 'policy', PodDisruptionBudgetStatus: 'policy',
  ClusterRole: 'rbac', ClusterRoleBinding: 'rbac', Role: 'rbac', RoleBinding: 'rbac', PolicyRule: 'rbac', RoleRef: 'rbac', AggregationRule: 'rbac',
  EndpointSlice: 'discovery', Endpoint: 'discovery', EndpointConditions: 'discovery', EndpointHints: 'discovery', ForZone: 'discovery', ForNode: 'discovery',
  Lease: 'coordination', LeaseSpec: 'coordination',
};
const PACKAGES: Readonly<Record<string, string>> = {
  core: 'io.k8s.api.core.v1',
  apps: 'io.k8s.api.apps.v1',
  policy: 'io.k8s.api.policy.v1',
  rbac: 'io.k8s.api.rbac.v1',
  discovery: 'io.k8s.api.discovery.v1',
  coordination: 'io.k8s.api.coordination.v1',
  apiextensions: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
};
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** The OpenAPI definition name of a client-node model (V1ServiceSpec → io.k8s.api.core.v1.ServiceSpec). */
export function definitionName(model: string): string {
  const prefixed = /^(Core|Discovery|Rbac|Apiextensions)V1([A-Z]\w*)$/.exec(model);
  if (prefixed !== null) {
    const pkg = (prefixed[1] ?? '').toLowerCase();
    return `${PACKAGES[pkg] ?? PACKAGES.core}.${prefixed[2] ?? ''}`;
  }
  const bare = model.replace(/^V1/, '');
  if (META_TYPES.has(bare)) return `${META}.${bare}`;
  if (/^(CustomResource|JSONSchemaProps|ExternalDocumentation|ValidationRule|WebhookConversion|WebhookClientConfig|SelectableField)/.test(bare)) {
    return `${PACKAGES.apiextensions}.${bare}`;
  }
  return `${PACKAGES[PACKAGE_OF_TYPE[bare] ?? 'core'] ?? ''}.${bare}`;
}

function modelsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@kubernetes/client-node')), 'gen', 'models');
}

function readModel(dir: string, model: string): { attributes: Attribute[]; required: Set<string> } {
  const js = readFileSync(join(dir, `${model}.js`), 'utf8');
  const m = new RegExp(`${model}\\.attributeTypeMap = (\\[[\\s\\S]*?\\n\\]);`).exec(js);
  if (m === null) throw new Error(`client-node model ${model} has no attributeTypeMap`);
  const attributes = JSON.parse(m[1] ?? '[]') as Attribute[];
  const dts = readFileSync(join(dir, `${model}.d.ts`), 'utf8');
  const required = new Set<string>();
  for (const line of dts.matchAll(/^ {4}'([^']+)': /gm)) {
    const attr = attributes.find((a) => a.name === line[1]);
    if (attr !== undefined) required.add(attr.baseName);
  }
  return { attributes, required };
}

export class BuiltinSchemas {
  /** Every definition by OpenAPI name. */
  readonly definitions = new Map<string, Schema>();
  readonly resolve: SchemaResolver;
  private readonly roots = new Map<string, string>();
  private readonly dir = modelsDir();

  constructor() {
    this.definitions.set(INT_OR_STRING, { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true });
    for (const root of BUILTIN_ROOTS) {
      const name = this.define(root.model);
      const def = this.definitions.get(name) as Schema;
      def['x-kubernetes-group-version-kind'] = [{ group: root.group, version: root.version, kind: root.kind }];
      this.roots.set(`${root.group}/${root.version}/${root.kind}`, name);
    }
    this.resolve = resolverFor(this.definitions);
  }

  /** A `$ref` schema for the kind, or undefined when it is not a built-in kind served here. */
  kindSchema(group: string, version: string, kind: string): Schema | undefined {
    const name = this.roots.get(`${group}/${version}/${kind}`);
    return name === undefined ? undefined : { $ref: `#/definitions/${name}` };
  }

  get objectMeta(): Schema {
    return this.definitions.get(`${META}.ObjectMeta`) as Schema;
  }

  /** Definitions reachable from `names` (transitively through `$ref`), for an OpenAPI document. */
  reachable(names: Iterable<string>): Map<string, Schema> {
    const out = new Map<string, Schema>();
    const visit = (name: string): void => {
      if (out.has(name)) return;
      const s = this.definitions.get(name);
      if (s === undefined) return;
      out.set(name, s);
      JSON.stringify(s, (key, value: unknown) => {
        if (key === '$ref' && typeof value === 'string') visit(value.replace(/^#\/definitions\//, ''));
        return value;
      });
    };
    for (const n of names) visit(n);
    return out;
  }

  private define(model: string): string {
    const name = definitionName(model);
    if (this.definitions.has(name)) return name;
    const schema: Schema = { type: 'object', properties: {} };
    this.definitions.set(name, schema);
    const { attributes, required } = readModel(this.dir, model);
    const properties = schema.properties as Record<string, Schema>;
    for (const attr of attributes) {
      const field = `${model}.${attr.baseName}`;
      const prop = QUANTITY_FIELDS.has(field) ? this.quantity(attr.type) : this.typeSchema(attr.type, attr.format);
      const meta = PATCH_META[field];
      if (meta !== undefined) {
        prop['x-kubernetes-patch-strategy'] = meta.strategy;
        if (meta.mergeKey !== undefined) prop['x-kubernetes-patch-merge-key'] = meta.mergeKey;
      }
      properties[attr.baseName] = prop;
    }
    const req = attributes.map((a) => a.baseName).filter((b) => required.has(b));
    if (req.length > 0) schema.required = req;
    return name;
  }

  private quantity(type: string): Schema {
    const value: Schema = { 'x-kubernetes-int-or-string': true };
    return type.startsWith('{') ? { type: 'object', additionalProperties: value } : value;
  }

  private typeSchema(type: string, format: string): Schema {
    const array = /^Array<(.+)>$/.exec(type);
    if (array !== null) return { type: 'array', items: this.typeSchema(array[1] ?? 'any', format) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map !== null) return { type: 'object', additionalProperties: this.typeSchema(map[1] ?? 'any', format) };
    switch (type) {
      case 'string':
        return format === '' ? { type: 'string' } : { type: 'string', format };
      case 'number':
        return format === 'int32' || format === 'int64' ? { type: 'integer', format } : { type: 'number', format: format === '' ? 'double' : format };
      case 'boolean':
        return { type: 'boolean' };
      case 'Date':
      case 'V1MicroTime':
        return { type: 'string', format: 'date-time' };
      case 'IntOrString':
        return { $ref: `#/definitions/${INT_OR_STRING}` };
      case 'any':
        return { 'x-kubernetes-preserve-unknown-fields': true };
      default:
        return { $ref: `#/definitions/${this.define(type)}` };
    }
  }
}

let instance: BuiltinSchemas | undefined;

/** The built-in schemas, built on first use. */
export function builtinSchemas(): BuiltinSchemas {
  instance ??= new BuiltinSchemas();
  return instance;
}
