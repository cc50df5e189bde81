// Everyday kubectl against one test API server: create namespace, apply (create, then a strategic
// merge patch of a Service and a JSON merge patch of a ServiceImport), get as a table and as YAML,
// field validation (the server's under kubectl 1.27 and later, kubectl's own before), delete.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { Kubectl } from './kubectl.js';

function lines(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/));
}

// Each test runs several kubectl processes; the bound leaves room for a loaded machine.
describe('kubectl against the test API server', { timeout: 90_000 }, () => {
  let dir: string;
  let api: FakeApiServer;
  let kubectl: Kubectl;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-commands-'));
    api = await startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'] });
    kubectl = await Kubectl.forServer(api.writeKubeconfig(dir, 'test'), dir);
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create namespace, then get namespaces as a table', async () => {
    expect(await kubectl.ok(['create', 'namespace', 'team-a'])).toBe('namespace/team-a created\n');
    const t = lines(await kubectl.ok(['get', 'namespaces']));
    expect(t[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    expect(t.find((r) => r[0] === 'team-a')?.[1]).toBe('Active');
    const again = await kubectl.run(['create', 'namespace', 'team-a']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('namespaces "team-a" already exists');
  });

  it('apply creates with the last-applied annotation, and a second apply patches ports by their merge key', async () => {
    const svc = (ports: string): string => `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: team-a
spec:
  selector:
    app: web
  ports:
${ports}`;
    const path = file('svc.yaml', svc('    - {name: http, port: 80, targetPort: 8080}\n    - {name: metrics, port: 9090}\n'));
    expect(await kubectl.ok(['apply', '-f', path])).toBe('service/web created\n');
    const created = parse(await kubectl.ok(['get', 'service', 'web', '-n', 'team-a', '-o', 'yaml'])) as any;
    expect(JSON.parse(created.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'])).toMatchObject({ kind: 'Service', metadata: { name: 'web' } });
    const ip = created.spec.clusterIP as string;

    // Someone else adds a port; apply then drops "metrics" (it left the file) but keeps theirs.
    api.patch('v1', 'Service', 'team-a', 'web', { spec: { ports: [...created.spec.ports, { name: 'debug', port: 7000, protocol: 'TCP', targetPort: 7000 }] } });
    writeFileSync(path, svc('    - {name: http, port: 80, targetPort: 8081}\n'));
    expect(await kubectl.ok(['apply', '-f', path])).toBe('service/web configured\n');
    const patched = parse(await kubectl.ok(['get', 'service', 'web', '-n', 'team-a', '-o', 'yaml'])) as any;
    expect(patched.spec.ports.map((p: { name: string; targetPort: number }) => `${p.name}:${p.targetPort}`)).toEqual(['http:8081', 'debug:7000']);
    expect(patched.spec.clusterIP).toBe(ip);
    // Applied again: kubectl still sends a $setElementOrder for the port it does not manage (so it
    // says "configured"), and the server finds nothing to change.
    await kubectl.ok(['apply', '-f', path]);
    expect(api.get('v1', 'Service', 'team-a', 'web').metadata.resourceVersion).toBe(patched.metadata.resourceVersion);
    const t = lines(await kubectl.ok(['get', 'services', '-n', 'team-a']));
    expect(t).toEqual([
      ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
      ['web', 'ClusterIP', ip, '<none>', '80/TCP,7000/TCP', expect.stringMatching(/^\d+s$/)],
    ]);
  });

  it('apply of a ServiceImport (a JSON merge patch the second time), shown with its printer columns', async () => {
    const si = (ips: string): string => `apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata:
  name: web
  namespace: team-a
spec:
  type: ClusterSetIP
  ports: [{name: http, port: 80, protocol: TCP}]
${ips}`;
    const path = file('si.yaml', si(''));
    expect(await kubectl.ok(['apply', '-f', path])).toBe('serviceimport.multicluster.x-k8s.io/web created\n');
    writeFileSync(path, si('  ips: [10.96.7.7]\n'));
    expect(await kubectl.ok(['apply', '-f', path])).toBe('serviceimport.multicluster.x-k8s.io/web configured\n');
    const t = lines(await kubectl.ok(['get', 'serviceimports', '-n', 'team-a']));
    expect(t).toEqual([
      ['NAME', 'TYPE', 'IP', 'AGE'],
      ['web', 'ClusterSetIP', '["10.96.7.7"]', expect.stringMatching(/^\d+s$/)],
    ]);
    const obj = parse(await kubectl.ok(['get', 'svcim', 'web', '-n', 'team-a', '-o', 'yaml'])) as any;
    expect(obj.apiVersion).toBe('multicluster.x-k8s.io/v1beta1');
    expect(obj.spec.ips).toEqual(['10.96.7.7']);
  });

  it('invalid objects are refused with the field named (schema validation and unknown fields)', async () => {
    const invalid = await kubectl.run(['apply', '-f', file('bad-type.yaml', 'apiVersion: multicluster.x-k8s.io/v1alpha1\nkind: ServiceImport\nmetadata: {name: bad, namespace: team-a}\nspec: {type: Nope, ports: []}\n')]);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('spec.type: Unsupported value: "Nope": supported values: "ClusterSetIP", "Headless"');
    const unknown = await kubectl.run(['apply', '-f', file('bad-field.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: bad, namespace: team-a}\nspec: {ports: [{port: 80}], colour: blue}\n')]);
    expect(unknown.code).not.toBe(0);
    // kubectl 1.27+ asks the server for fieldValidation=Strict; older ones validate against /openapi/v2.
    expect(unknown.stderr).toMatch(kubectl.minor >= 27 ? /strict decoding error: unknown field "spec.colour"/ : /unknown field "colour" in io\.k8s\.api\.core\.v1\.ServiceSpec/);
    expect((await kubectl.run(['get', 'service', 'bad', '-n', 'team-a'])).code).not.toBe(0);
  });

  it('get crd lists the seeded CRDs; delete removes an object', async () => {
    const crds = lines(await kubectl.ok(['get', 'crd']));
    expect(crds[0]).toEqual(['NAME', 'CREATED AT']);
    expect(crds.slice(1).map((r) => r[0])).toEqual(['clusterproperties.about.k8s.io', 'serviceexports.multicluster.x-k8s.io', 'serviceimports.multicluster.x-k8s.io']);
    expect(await kubectl.ok(['delete', 'service', 'web', '-n', 'team-a'])).toBe('service "web" deleted\n');
    expect(api.find('v1', 'Service', 'team-a', 'web')).toBeUndefined();
    expect(await kubectl.ok(['delete', 'namespace', 'team-a'])).toBe('namespace "team-a" deleted\n');
    expect(api.find('multicluster.x-k8s.io/v1beta1', 'ServiceImport', 'team-a', 'web')).toBeUndefined();
  });
});
