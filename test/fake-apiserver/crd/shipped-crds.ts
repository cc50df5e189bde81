// The CustomResourceDefinitions the repository ships (manifests/crds), as a fresh server seeds
// them: the multicluster group cut down to the versions a test asks to serve, v1beta1 as storage
// when served, and the rest as shipped.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { MULTICLUSTER_GROUP, type MulticlusterVersion } from '../resources.js';
import { deepClone, isRecord, type KubeObject } from '../types.js';

/** manifests/crds of the repository: the first folder up from here holding it (also from dist/, for benches). */
function crdDir(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 8 && !existsSync(join(dir, 'manifests', 'crds')); i++) dir = join(dir, '..');
  return join(dir, 'manifests', 'crds');
}

const CRD_DIR = crdDir();

let cache: KubeObject[] | undefined;

function readCrds(): KubeObject[] {
  if (cache !== undefined) return cache;
  const dir = CRD_DIR;
  const crds: KubeObject[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const value: unknown = doc.toJS();
      if (isRecord(value) && value.kind === 'CustomResourceDefinition') crds.push(value as KubeObject);
    }
  }
  if (crds.length === 0) throw new Error(`no CustomResourceDefinitions in ${dir}`);
  cache = crds;
  return crds;
}

function restrictVersions(crd: KubeObject, wanted: readonly MulticlusterVersion[]): KubeObject {
  const spec = crd.spec as Record<string, unknown>;
  const shipped = (Array.isArray(spec.versions) ? spec.versions : []).filter(isRecord);
  const storage: MulticlusterVersion = wanted.includes('v1beta1') ? 'v1beta1' : 'v1alpha1';
  spec.versions = [...wanted].sort().map((name) => {
    const v = shipped.find((x) => x.name === name);
    if (v === undefined) throw new Error(`${crd.metadata.name ?? ''} in ${CRD_DIR} does not define ${name}`);
    return { ...deepClone(v), served: true, storage: name === storage };
  });
  return crd;
}

/** The shipped CRDs, fresh copies, with the multicluster group serving `multiclusterVersions`. */
export function shippedCrds(multiclusterVersions: readonly MulticlusterVersion[]): KubeObject[] {
  return readCrds().map((c) => {
    const crd = deepClone(c);
    return isRecord(crd.spec) && crd.spec.group === MULTICLUSTER_GROUP ? restrictVersions(crd, multiclusterVersions) : crd;
  });
}
