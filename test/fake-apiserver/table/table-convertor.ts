// Server-side printing: a list or one object turned into the meta.k8s.io Table that `kubectl get`
// asks for, with the built-in kind's printer, a custom resource's additionalPrinterColumns (NAME
// first; strings through JSONPath, dates as ages) or NAME/CREATED AT, and each row's object as
// PartialObjectMetadata (includeObject=Metadata, the default), the whole object, or nothing.

import { badRequest } from '../api-error.js';
import type { ResourceDef } from '../resources.js';
import type { KubeObject } from '../types.js';
import { BUILTIN_PRINTERS, DEFAULT_PRINTER, type Printer, type TableColumn } from './builtin-printers.js';
import { ageOf } from './human-duration.js';
import { findResults, parseJsonPath, printResult } from './jsonpath.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === null || value === '' || value === 'Metadata') return 'Metadata';
  if (value === 'None' || value === 'Object') return value;
  throw badRequest(`unrecognized includeObject value: ${JSON.stringify(value)}`);
}

function cellFor(type: string, value: unknown, now: number): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? (Number.isNaN(Date.parse(value)) ? '<invalid>' : ageOf(value, now)) : null;
    default:
      return printResult(value);
  }
}

function customPrinter(def: ResourceDef, version: string): Printer {
  const v = def.custom?.versions.find((x) => x.name === version);
  const columns = v?.printerColumns ?? [];
  if (columns.length === 0) {
    // A CRD without printer columns prints NAME and AGE (the server adds an Age column).
    return {
      columns: [{ name: 'Name', type: 'string', format: 'name', description: '', priority: 0 }, { name: 'Age', type: 'date', format: '', description: '', priority: 0 }],
      cells: (o, now) => [o.metadata.name, ageOf(o.metadata.creationTimestamp, now)],
    };
  }
  const paths = columns.map((c) => parseJsonPath(c.jsonPath));
  const defs: TableColumn[] = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, priority: c.priority ?? 0 })),
  ];
  return {
    columns: defs,
    cells: (o, now) => [
      o.metadata.name,
      ...columns.map((c, i) => {
        const steps = paths[i];
        const found = steps === undefined ? [] : findResults(o, steps);
        return found.length === 0 ? null : cellFor(c.type, found[0], now);
      }),
    ],
  };
}

export function printerFor(def: ResourceDef, version: string): Printer {
  if (def.crd) return customPrinter(def, version);
  return BUILTIN_PRINTERS.get(def.key) ?? DEFAULT_PRINTER;
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export interface TableMeta {
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export function toTable(
  def: ResourceDef,
  version: string,
  objects: readonly KubeObject[],
  meta: TableMeta,
  include: IncludeObject,
  now = Date.now(),
): Record<string, unknown> {
  const printer = printerFor(def, version);
  const rows = objects.map((o) => {
    const object = rowObject(o, include);
    return { cells: printer.cells(o, now), ...(object !== undefined ? { object } : {}) };
  });
  const metadata: Record<string, unknown> = { resourceVersion: meta.resourceVersion };
  if (meta.continue !== undefined) metadata.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) metadata.remainingItemCount = meta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns,
    rows,
  };
}
