// A PATCH request turned into the function the store applies to the current object: JSON merge
// patch, strategic merge patch (built-in kinds only; custom resources answer 415 as the apiserver
// does), or JSON patch, followed by the same decoding a body gets (unknown fields per
// fieldValidation, defaults), where a Strict failure is reported against the field "patch".

import { badRequest, unsupportedMediaType } from './api-error.js';
import { decodeWrite, type FieldValidation } from './decoder.js';
import { applyJsonPatch, applyMergePatch } from './patches.js';
import { apiVersionOf, type ResourceDef } from './resources.js';
import { resourceSchema } from './schema/resource-schema.js';
import { StrategicMergePatcher } from './strategic-merge-patch.js';
import { isRecord, type KubeObject } from './types.js';

export type PatchApplier = (current: KubeObject) => unknown;

/** Go's %+v of a decoded JSON map, which the apiserver shows for a failed strategic merge patch. */
function goPlusV(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goPlusV).join(' ')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goPlusV(v[k])}`).join(' ')}]`;
  }
  return v === null ? '<nil>' : String(v);
}

export function patchApplier(
  def: ResourceDef,
  version: string,
  contentType: string,
  body: unknown,
  validation: FieldValidation,
  warnings: string[],
): PatchApplier {
  const atVersion = (current: KubeObject): KubeObject => ({ ...current, apiVersion: apiVersionOf(def.group, version) });
  const decode = (patched: unknown, shown: string): unknown => {
    const decoded = decodeWrite(def, version, patched, validation, { kind: 'patch', shown });
    warnings.push(...decoded.warnings);
    return decoded.obj;
  };
  switch (contentType) {
    case 'application/merge-patch+json':
      if (!isRecord(body)) throw badRequest('a merge patch must be a JSON object');
      // A resourceVersion in the patch is a precondition, as with a PUT.
      return (current) => {
        const patched = applyMergePatch(atVersion(current), body);
        return decode(patched, JSON.stringify(patched));
      };
    case 'application/strategic-merge-patch+json': {
      const schema = def.crd ? undefined : resourceSchema(def, version);
      if (schema === undefined) {
        throw unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json']);
      }
      if (!isRecord(body)) throw badRequest('a strategic merge patch must be a JSON object');
      const patcher = new StrategicMergePatcher(schema.resolve);
      return (current) => decode(patcher.apply(atVersion(current), body, schema.root), goPlusV(body));
    }
    case 'application/json-patch+json':
      return (current) => {
        const patched = applyJsonPatch(atVersion(current), body);
        return decode(patched, JSON.stringify(patched));
      };
    default:
      throw unsupportedMediaType();
  }
}
