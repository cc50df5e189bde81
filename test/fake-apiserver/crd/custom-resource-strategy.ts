// What the apiserver checks on every write of a custom resource: the object against the
// openAPIV3Schema of the version it was written at (errors on unchanged values ratcheted away on
// updates), answered as 422 Invalid naming each field.

import { invalidFields } from '../api-error.js';
import type { KindStrategy, WriteContext } from '../kind-strategies.js';
import { ratchet } from '../schema/ratchet.js';
import { resourceSchema } from '../schema/resource-schema.js';
import { SchemaValidator } from '../schema/validate.js';
import type { KubeObject } from '../types.js';

function check(obj: KubeObject, old: KubeObject | undefined, ctx: WriteContext): void {
  const schema = resourceSchema(ctx.def, ctx.version);
  if (schema === undefined) return;
  const errs = ratchet(new SchemaValidator(schema.resolve).validateObject(obj, schema.root), obj, old);
  if (errs.length > 0) throw invalidFields(ctx.def, obj.metadata.name ?? '', errs);
}

export const customResourceStrategy: KindStrategy = {
  prepareCreate(obj, ctx) {
    check(obj, undefined, ctx);
  },
  prepareUpdate(obj, old, ctx) {
    check(obj, old, ctx);
  },
  prepareStatusUpdate(obj, old, ctx) {
    check(obj, old, ctx);
  },
};
