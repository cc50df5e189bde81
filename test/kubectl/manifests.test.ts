// Every kustomization the repository ships applies with kubectl to a test API server: the CRDs,
// the member-cluster RBAC, the reconciler and the server (base) pieces and each overlay. kubectl
// then lists the CRDs and the RBAC objects, and re-applying changes nothing.

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { Kubectl } from './kubectl.js';

const MANIFESTS = fileURLToPath(new URL('../../manifests/', import.meta.url));

/** Directories holding a kustomization.yaml, the CRDs first (the other pieces assume them). */
function kustomizations(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (existsSync(join(dir, 'kustomization.yaml'))) found.push(dir);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(MANIFESTS);
  const rank = (d: string): number => (d.endsWith('/crds') ? 0 : d.includes('/overlays/') ? 2 : 1);
  return found.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

function names(stdout: string): string[] {
  return stdout
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/)[0] ?? '');
}

// Each test runs kubectl processes; the bound leaves room for a loaded machine.
describe('kubectl apply -k of the shipped manifests', { timeout: 90_000 }, () => {
  let dir: string;
  let api: FakeApiServer;
  let kubectl: Kubectl;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-manifests-'));
    api = await startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'] });
    kubectl = await Kubectl.forServer(api.writeKubeconfig(dir, 'test'), dir);
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the CRDs, member, reconciler, base and overlay kustomizations', () => {
    const rel = kustomizations().map((d) => d.slice(MANIFESTS.length));
    expect(rel[0]).toBe('crds');
    expect(rel).toEqual(expect.arrayContaining(['base', 'reconciler', 'member', 'overlays/server-only']));
  });

  it.each(kustomizations().map((d) => [d.slice(MANIFESTS.length), d]))('%s applies', async (_name, path) => {
    const r = await kubectl.applyKustomization(path);
    expect(r.stderr.replace(/^(Warning|#).*\n/gm, '')).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/(created|configured|unchanged)\n$/);
  });

  it('kubectl lists the CRDs and the RBAC objects; applying the CRDs again changes nothing', async () => {
    expect(names(await kubectl.ok(['get', 'crd']))).toEqual(['clusterproperties.about.k8s.io', 'serviceexports.multicluster.x-k8s.io', 'serviceimports.multicluster.x-k8s.io']);
    expect(names(await kubectl.ok(['get', 'clusterroles']))).toEqual(expect.arrayContaining(['clusterset-dns', 'clusterset-reconciler']));
    expect(names(await kubectl.ok(['get', 'clusterrolebindings']))).toEqual(expect.arrayContaining(['clusterset-dns', 'clusterset-reconciler']));
    expect(names(await kubectl.ok(['get', 'serviceaccounts', '-n', 'clusterset-system']))).toEqual(expect.arrayContaining(['clusterset-dns', 'clusterset-reconciler']));
    expect(names(await kubectl.ok(['get', 'deployments', '-n', 'clusterset-system']))).toEqual(expect.arrayContaining(['clusterset-dns', 'clusterset-reconciler']));
    const again = await kubectl.applyKustomization(join(MANIFESTS, 'crds'));
    expect(again.stdout.trim().split('\n').every((l) => l.endsWith(' unchanged'))).toBe(true);
    const crd = api.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'serviceimports.multicluster.x-k8s.io') as any;
    expect(crd.status.storedVersions).toEqual(['v1beta1']);
  });
});
