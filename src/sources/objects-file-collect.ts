// Sorting the raw objects of an objects file into records for the store, and saying what was
// left out and why. The file stands for a whole cluster, so a namespace exists when a Namespace
// object names it or any object in the file lives in it, and its ClusterProperty
// `cluster.clusterset.k8s.io` names the local cluster as the API's would.

import { toClusterId, toImportRecord, toNamespaceName, toSliceRecord } from './convert.js';
import { isDnsLabel, isRawObject, type RawObject } from './object-fields.js';
import type { ImportRecord, SliceRecord } from './model.js';
import type { ParsedObject } from './objects-file-parse.js';
import type { StoreContents } from './snapshot-store.js';

export interface ObjectProblem {
  readonly document: number;
  readonly item: number | null;
  readonly line: number;
  /** `kind` as written ("" when missing). */
  readonly kind: string;
  /** `namespace/name`, or the name alone for cluster-scoped objects ("" when missing). */
  readonly name: string;
  /**
   * 'invalid': a served kind with a problem, left out; 'duplicate': a second object of the same
   * kind and name, which replaces the first; 'skipped': valid but not something we serve.
   */
  readonly severity: 'invalid' | 'duplicate' | 'skipped';
  readonly reason: string;
}

export interface CollectedObjects extends StoreContents {
  readonly imports: readonly ImportRecord[];
  readonly slices: readonly SliceRecord[];
  readonly namespaces: readonly string[];
  readonly localCluster: string | null;
  readonly problems: readonly ObjectProblem[];
}

export function collectObjects(objects: readonly ParsedObject[]): CollectedObjects {
  const imports = new Map<string, ImportRecord>();
  const slices = new Map<string, SliceRecord>();
  const namespaces = new Set<string>();
  let localCluster: string | null = null;
  const problems: ObjectProblem[] = [];

  for (const parsed of objects) {
    const raw = isRawObject(parsed.object) ? parsed.object : undefined;
    const kind = typeof raw?.['kind'] === 'string' ? raw['kind'] : '';
    const problem = (severity: ObjectProblem['severity'], reason: string): void => {
      problems.push({ ...position(parsed), kind, name: displayName(raw), severity, reason });
    };
    const namespace = namespaceOf(raw);
    // Only a name that could be a namespace makes one exist (a typo must not invent `Foo_Bar`).
    if (namespace !== undefined && isDnsLabel(namespace)) namespaces.add(namespace);

    switch (kind) {
      case 'ServiceImport': {
        const result = toImportRecord(parsed.object);
        if (!result.ok) problem('invalid', result.error);
        else if (!replaces(imports, `${namespace}/${result.record.name}`, result.record)) {
          problem('duplicate', 'an earlier ServiceImport of this name is replaced by this one');
        }
        break;
      }
      case 'EndpointSlice': {
        const result = toSliceRecord(parsed.object);
        if (result.ok) {
          if (!replaces(slices, `${namespace}/${result.record.name}`, result.record)) {
            problem('duplicate', 'an earlier EndpointSlice of this name is replaced by this one');
          }
        } else if ('error' in result) problem('invalid', result.error);
        else problem('skipped', result.ignored);
        break;
      }
      case 'Namespace': {
        const result = toNamespaceName(parsed.object);
        if (result.ok) namespaces.add(result.record);
        else problem('invalid', result.error);
        break;
      }
      case 'ClusterProperty': {
        const result = toClusterId(parsed.object);
        if (result.ok) {
          if (localCluster !== null) problem('duplicate', 'an earlier ClusterProperty of this name is replaced by this one');
          localCluster = result.record;
        } else if ('error' in result) problem('invalid', result.error);
        else problem('skipped', result.ignored);
        break;
      }
      case '':
        problem('invalid', raw === undefined ? 'not an object' : 'kind: missing');
        break;
      default:
        problem('skipped', `kind ${kind} is not served`);
    }
  }
  return {
    imports: [...imports.values()],
    slices: [...slices.values()],
    namespaces: [...namespaces],
    localCluster,
    problems,
  };
}

/** Sets the entry; false when it replaced one (a duplicate in the file: the later one wins). */
function replaces<T>(map: Map<string, T>, key: string, value: T): boolean {
  const fresh = !map.has(key);
  map.set(key, value);
  return fresh;
}

function position(parsed: ParsedObject): Pick<ObjectProblem, 'document' | 'item' | 'line'> {
  return { document: parsed.document, item: parsed.item, line: parsed.line };
}

function namespaceOf(raw: RawObject | undefined): string | undefined {
  const metadata = raw?.['metadata'];
  if (!isRawObject(metadata)) return undefined;
  const namespace = metadata['namespace'];
  return typeof namespace === 'string' ? namespace : undefined;
}

function displayName(raw: RawObject | undefined): string {
  const metadata = raw?.['metadata'];
  if (!isRawObject(metadata)) return '';
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const namespace = namespaceOf(raw);
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}
