// What a stored CustomResourceDefinition makes the server serve: its resource (group, plural,
// kind, scope, short names, categories) with each version's schema, printer columns and status
// subresource, served versions in priority order, and the storage version.

import { compareVersions, type CustomVersion, type PrinterColumn, type ResourceDef } from '../resources.js';
import type { Schema } from '../schema/schema.js';
import { isRecord, type KubeObject } from '../types.js';

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function printerColumns(v: unknown): PrinterColumn[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isRecord).map((c) => ({
    name: String(c.name ?? ''),
    type: String(c.type ?? 'string'),
    jsonPath: String(c.jsonPath ?? ''),
    ...(typeof c.format === 'string' ? { format: c.format } : {}),
    ...(typeof c.description === 'string' ? { description: c.description } : {}),
    ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
  }));
}

function customVersion(v: Record<string, unknown>): CustomVersion {
  const schema = isRecord(v.schema) && isRecord(v.schema.openAPIV3Schema) ? (v.schema.openAPIV3Schema as Schema) : undefined;
  return {
    name: String(v.name ?? ''),
    served: v.served === true,
    storage: v.storage === true,
    ...(schema !== undefined ? { schema } : {}),
    printerColumns: printerColumns(v.additionalPrinterColumns),
    statusSubresource: isRecord(v.subresources) && isRecord(v.subresources.status),
  };
}

/** `${group}/${plural}` of the resource a CRD object defines. */
export function customResourceKey(crd: KubeObject): string {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const names = isRecord(spec.names) ? spec.names : {};
  return `${String(spec.group ?? '')}/${String(names.plural ?? '')}`;
}

/** The resource a stored CRD defines (served versions may be empty: then nothing is served). */
export function resourceFromCrd(crd: KubeObject): ResourceDef {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const names = isRecord(spec.names) ? spec.names : {};
  const group = String(spec.group ?? '');
  const plural = String(names.plural ?? '');
  const kind = String(names.kind ?? '');
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter(isRecord).map(customVersion);
  const served = versions.filter((v) => v.served).map((v) => v.name).sort(compareVersions);
  return {
    group,
    versions: served,
    plural,
    singular: typeof names.singular === 'string' && names.singular !== '' ? names.singular : kind.toLowerCase(),
    kind,
    namespaced: spec.scope !== 'Cluster',
    statusSubresource: versions.some((v) => v.statusSubresource),
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    crd: true,
    custom: {
      crdName: crd.metadata.name ?? '',
      versions,
      storageVersion: versions.find((v) => v.storage)?.name ?? served[0] ?? '',
      listKind: typeof names.listKind === 'string' && names.listKind !== '' ? names.listKind : `${kind}List`,
    },
    key: `${group}/${plural}`,
  };
}
