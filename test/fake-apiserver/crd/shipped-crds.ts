// The CustomResourceDefinitions the repository ships (manifests/crds, or manifests/base/crds in a
// tree that still has the older layout), as a fresh server seeds them: the multicluster group cut
// down to the versions a test asks to serve (a version the file lacks is a copy of its storage
// version's entry), v1beta1 as storage when served, and the rest as shipped.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { MULTICLUSTER_GROUP, type MulticlusterVersion } from '../resources.js';
import { deepClone, isRecord, type KubeObject } from '../types.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CANDIDATE_DIRS = ['manifests/crds', 'manifests/base/crds'];

let cache: { dir: string; crds: KubeObject[] } | undefined;

/** The directory the shipped CRDs are read from. */
export function shippedCrdDir(): string {
  for (const d of CANDIDATE_DIRS) {
    const dir = join(REPO_ROOT, d);
    if (existsSync(dir) && readdirSync(dir).some((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')) return dir;
  }
  throw new Error(`no CRD manifests found in ${CANDIDATE_DIRS.join(' or ')}`);
}

function readCrds(): KubeObject[] {
  const dir = shippedCrdDir();
  if (cache?.dir === dir) return cache.crds;
  const crds: KubeObject[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const value: unknown = doc.toJS();
      if (isRecord(value) && value.kind === 'CustomResourceDefinition') crds.push(value as KubeObject);
    }
  }
  cache = { dir, crds };
  return crds;
}

function restrictVersions(crd: KubeObject, wanted: readonly MulticlusterVersion[]): KubeObject {
  const spec = crd.spec as Record<string, unknown>;
  const shipped = (Array.isArray(spec.versions) ? spec.versions : []).filter(isRecord);
  const template = shipped.find((v) => v.storage === true) ?? shipped[0];
  if (template === undefined) return crd;
  const storage: MulticlusterVersion = wanted.includes('v1beta1') ? 'v1beta1' : 'v1alpha1';
  spec.versions = [...wanted].sort().map((name) => ({
    ...deepClone(shipped.find((v) => v.name === name) ?? template),
    name,
    served: true,
    storage: name === storage,
  }));
  return crd;
}

/** The shipped CRDs, fresh copies, with the multicluster group serving `multiclusterVersions`. */
export function shippedCrds(multiclusterVersions: readonly MulticlusterVersion[]): KubeObject[] {
  return readCrds().map((c) => {
    const crd = deepClone(c);
    return isRecord(crd.spec) && crd.spec.group === MULTICLUSTER_GROUP ? restrictVersions(crd, multiclusterVersions) : crd;
  });
}
