// The manifests: every YAML parses; the overlays build the way kustomize builds them
// (./kustomize.ts); the RBAC is exactly what each program needs; every container runs non-root
// with a read-only root filesystem and no capabilities but NET_BIND_SERVICE where it binds :53;
// the Corefile, CoreDNS snippet and client pod say what the walk-through needs.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../../src/corefile/parse.js';
import { build, containersOf, isObj, podSpecOf, readYamlDocs, type Obj } from './kustomize.js';
import { healthFactory } from '../../src/plugins/health/setup.js';
import { readyFactory } from '../../src/plugins/ready/setup.js';
import { prometheusFactory } from '../../src/plugins/prometheus/setup.js';
import { logFactory } from '../../src/plugins/log/setup.js';
import { errorsFactory } from '../../src/plugins/errors/setup.js';
import { reloadFactory } from '../../src/plugins/reload/setup.js';
import { loadbalanceFactory } from '../../src/plugins/loadbalance/setup.js';
import { setupContext, testRuntime } from '../ops/ops-harness.js';

const ROOT = new URL('../../manifests/', import.meta.url).pathname;
const NS = 'clusterset-system';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

const serverOnly = build(join(ROOT, 'overlays/server-only'));
const withReconciler = build(join(ROOT, 'overlays/server-with-reconciler'));

function find(objs: readonly Obj[], kind: string, name: string): Obj {
  const o = objs.find((x) => x.kind === kind && (x.metadata as Obj).name === name);
  if (o === undefined) throw new Error(`${kind}/${name} missing`);
  return o;
}

const names = (objs: readonly Obj[]) => objs.map((o) => `${String(o.kind)}/${String((o.metadata as Obj).name)}`).sort();

/** (apiGroup resource verb) triples a role grants. */
function grants(role: Obj): string[] {
  const out: string[] = [];
  for (const r of role.rules as Obj[]) {
    for (const g of r.apiGroups as string[]) for (const res of r.resources as string[]) for (const v of r.verbs as string[]) out.push(`${g || 'core'} ${res} ${v}`);
  }
  return out.sort();
}

const read = ['get', 'list', 'watch'];
const write = ['create', 'update', 'patch', 'delete'];
const triples = (group: string, resource: string, verbs: readonly string[]) => verbs.map((v) => `${group} ${resource} ${v}`);

describe('manifests', () => {
  it('every YAML file parses', () => {
    const files = yamlFiles(ROOT);
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) expect(() => readYamlDocs(f), f).not.toThrow();
  });

  it('overlays build to the expected objects', () => {
    const server = [
      'ClusterRole/clusterset-dns', 'ClusterRoleBinding/clusterset-dns', 'ConfigMap/clusterset-dns',
      'Deployment/clusterset-dns', 'Namespace/clusterset-system',
      'PodDisruptionBudget/clusterset-dns', 'Service/clusterset-dns', 'ServiceAccount/clusterset-dns',
    ];
    expect(names(serverOnly)).toEqual(server);
    expect(names(withReconciler)).toEqual([
      ...server,
      'ClusterRole/clusterset-reconciler', 'ClusterRoleBinding/clusterset-reconciler', 'ConfigMap/clusterset-reconciler',
      'Deployment/clusterset-reconciler', 'PodDisruptionBudget/clusterset-reconciler', 'Role/clusterset-reconciler-leader-election',
      'RoleBinding/clusterset-reconciler-leader-election', 'ServiceAccount/clusterset-reconciler',
    ].sort());
  });

  it('puts namespaced objects in clusterset-system and labels everything, selectors matching pods', () => {
    for (const o of withReconciler) {
      const m = o.metadata as Obj;
      const clusterScoped = ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(String(o.kind));
      expect(m.namespace, names([o])[0]).toBe(clusterScoped ? undefined : NS);
      expect((m.labels as Obj)['app.kubernetes.io/part-of']).toBe('clusterset-dns');
      if (o.kind === 'Deployment') {
        const sel = ((o.spec as Obj).selector as Obj).matchLabels as Obj;
        const labels = (((o.spec as Obj).template as Obj).metadata as Obj).labels as Obj;
        for (const [k, v] of Object.entries(sel)) expect(labels[k]).toBe(v);
        const pdb = withReconciler.find((p) => p.kind === 'PodDisruptionBudget' && (p.metadata as Obj).name === (o.metadata as Obj).name)!;
        expect(((pdb.spec as Obj).selector as Obj).matchLabels).toEqual(sel);
      }
    }
    const svc = find(serverOnly, 'Service', 'clusterset-dns');
    const pods = (((find(serverOnly, 'Deployment', 'clusterset-dns').spec as Obj).template as Obj).metadata as Obj).labels as Obj;
    for (const [k, v] of Object.entries((svc.spec as Obj).selector as Obj)) expect(pods[k]).toBe(v);
  });

  it('gives the server get/list/watch on serviceimports, endpointslices and namespaces, and nothing else', () => {
    const role = find(serverOnly, 'ClusterRole', 'clusterset-dns');
    expect(grants(role)).toEqual(
      [...triples('multicluster.x-k8s.io', 'serviceimports', read), ...triples('discovery.k8s.io', 'endpointslices', read), ...triples('core', 'namespaces', read)].sort(),
    );
    const binding = find(serverOnly, 'ClusterRoleBinding', 'clusterset-dns');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'clusterset-dns' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'clusterset-dns', namespace: NS }]);
    const sa = (podSpecOf(find(serverOnly, 'Deployment', 'clusterset-dns'))!).serviceAccountName;
    expect(sa).toBe('clusterset-dns');
  });

  it('gives the reconciler exactly what it writes and reads, leases only in its namespace', () => {
    expect(grants(find(withReconciler, 'ClusterRole', 'clusterset-reconciler'))).toEqual(
      [
        ...triples('multicluster.x-k8s.io', 'serviceimports', [...read, ...write]),
        ...triples('multicluster.x-k8s.io', 'serviceimports/status', ['get', 'update', 'patch']),
        ...triples('multicluster.x-k8s.io', 'serviceexports', read),
        ...triples('multicluster.x-k8s.io', 'serviceexports/status', ['get', 'update', 'patch']),
        ...triples('core', 'services', [...read, ...write]),
        ...triples('discovery.k8s.io', 'endpointslices', [...read, ...write]),
        ...triples('about.k8s.io', 'clusterproperties', read),
        ...triples('core', 'namespaces', read),
      ].sort(),
    );
    const lease = find(withReconciler, 'Role', 'clusterset-reconciler-leader-election');
    expect((lease.metadata as Obj).namespace).toBe(NS);
    expect(grants(lease)).toEqual(triples('coordination.k8s.io', 'leases', ['get', 'create', 'update']).sort());
    for (const o of withReconciler.filter((x) => String(x.kind).endsWith('Role'))) {
      expect(JSON.stringify(o.rules), 'no wildcards').not.toContain('"*"');
    }
  });

  it('runs every container non-root, read-only, no privilege escalation, capabilities dropped', () => {
    const examples = readYamlDocs(join(ROOT, 'examples/client-pod.yaml'));
    const workloads = [...withReconciler, ...examples].filter((o) => podSpecOf(o) !== null);
    expect(workloads).toHaveLength(3);
    for (const w of workloads) {
      const pod = podSpecOf(w)!;
      const podSec = (pod.securityContext ?? {}) as Obj;
      expect(podSec.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      for (const c of (pod.containers as Obj[])) {
        const sec = (c.securityContext ?? {}) as Obj;
        const where = `${names([w])[0]} ${String(c.name)}`;
        expect(sec.runAsNonRoot ?? podSec.runAsNonRoot, where).toBe(true);
        const uid = sec.runAsUser ?? podSec.runAsUser;
        expect(Number.isInteger(uid) && (uid as number) > 0, where).toBe(true);
        expect(sec.readOnlyRootFilesystem, where).toBe(true);
        expect(sec.allowPrivilegeEscalation, where).toBe(false);
        const caps = sec.capabilities as Obj;
        expect(caps.drop, where).toEqual(['ALL']);
        const binds53 = ((c.ports ?? []) as Obj[]).some((p) => p.containerPort === 53);
        expect(caps.add ?? [], where).toEqual(binds53 ? ['NET_BIND_SERVICE'] : []);
        expect(isObj(c.resources) && isObj(c.resources.requests) && isObj(c.resources.limits), where).toBe(true);
      }
    }
  });

  it("limits the server's memory but not its CPU (CoreDNS's own manifests set no CPU limit)", () => {
    const c = (podSpecOf(find(serverOnly, 'Deployment', 'clusterset-dns'))!.containers as Obj[])[0]!;
    const resources = c.resources as Obj;
    expect(Object.keys(resources.limits as Obj)).toEqual(['memory']);
    expect(Object.keys(resources.requests as Obj).sort()).toEqual(['cpu', 'memory']);
  });

  it('runs two spread replicas with probes on /health :8080 and /ready :8181', () => {
    const dns = find(serverOnly, 'Deployment', 'clusterset-dns');
    expect((dns.spec as Obj).replicas).toBe(2);
    const pod = podSpecOf(dns)!;
    expect(((pod.affinity as Obj).podAntiAffinity as Obj)).toBeDefined();
    const c = (pod.containers as Obj[])[0]!;
    expect(c.image).toBe('clusterset-dns:0.1.0');
    expect((c.livenessProbe as Obj).httpGet).toEqual({ path: '/health', port: 8080 });
    expect((c.readinessProbe as Obj).httpGet).toEqual({ path: '/ready', port: 8181 });
    const rec = find(withReconciler, 'Deployment', 'clusterset-reconciler');
    expect((rec.spec as Obj).replicas).toBe(2);
    expect(((podSpecOf(rec)!.affinity as Obj).podAntiAffinity as Obj)).toBeDefined();
    expect(containersOf([rec])[0]!.image).toBe('clusterset-dns:0.1.0');
  });

  it('exposes 53/UDP, 53/TCP and 9153 on the Service', () => {
    const ports = ((find(serverOnly, 'Service', 'clusterset-dns').spec as Obj).ports as Obj[]).map((p) => `${String(p.port)}/${String(p.protocol)}`);
    expect(ports.sort()).toEqual(['53/TCP', '53/UDP', '9153/TCP']);
  });

  it('ships a Corefile with multicluster (in-cluster), forward, cache and the operations plugins, all accepted', () => {
    const text = String((find(serverOnly, 'ConfigMap', 'clusterset-dns').data as Obj).Corefile);
    const blocks = parseCorefile(text, { file: 'Corefile', env: {} });
    const ds = blocks[0]!.directives;
    expect(ds.map((d) => d.name).sort()).toEqual(
      ['cache', 'errors', 'forward', 'health', 'loadbalance', 'log', 'loop', 'multicluster', 'prometheus', 'ready', 'reload'].sort(),
    );
    const mc = ds.find((d) => d.name === 'multicluster')!;
    expect(mc.args).toEqual(['clusterset.local']);
    expect((mc.block ?? []).map((o) => o.name)).not.toContain('kubeconfig');
    expect(ds.find((d) => d.name === 'forward')!.args).toEqual(['.', '/etc/resolv.conf']);
    const ctx = setupContext(testRuntime().runtime);
    for (const f of [healthFactory, readyFactory, prometheusFactory, logFactory, errorsFactory, reloadFactory, loadbalanceFactory]) {
      expect(() => f.setup(ds.find((d) => d.name === f.name)!, ctx), f.name).not.toThrow();
    }
    expect(ctx.settings.reload).toEqual({ intervalMs: 30_000, jitterMs: 15_000 });
  });

  it('patches the reconciler config with the member clusters, in the issue-6 shape', () => {
    const base = build(join(ROOT, 'reconciler'));
    const cfgOf = (objs: Obj[]) => String((find(objs, 'ConfigMap', 'clusterset-reconciler').data as Obj)['config.yaml']);
    const patched = cfgOf(withReconciler);
    expect(patched).not.toBe(cfgOf(base));
    for (const keyText of ['clusters:', 'derivedService:', 'namespaces:', 'unreachableGracePeriod:', 'leaderElection:', 'listen:']) {
      expect(patched).toContain(keyText);
    }
    expect(patched).toContain('kubeconfig: /etc/clusterset/cluster2.kubeconfig');
  });

  it('has the CoreDNS snippet forwarding clusterset.local and a client pod with the search domains', () => {
    const snippet = readYamlDocs(join(ROOT, 'coredns-snippet.yaml'))[0]!;
    const block = parseCorefile(String((snippet.data as Obj)['clusterset.server']), { file: 'snippet', env: {} })[0]!;
    expect(block.keys.map((k) => `${k.zone}:${String(k.port)}`)).toEqual(['clusterset.local.:53']);
    expect(block.directives.find((d) => d.name === 'forward')?.args[0]).toBe('.');
    const pod = readYamlDocs(join(ROOT, 'examples/client-pod.yaml'))[0]!;
    expect(((pod.spec as Obj).dnsConfig as Obj).searches).toEqual(['svc.clusterset.local', 'clusterset.local']);
  });

  it('has a multi-stage Dockerfile whose final stage has production dependencies only and a numeric non-root user', () => {
    const text = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const stages = text.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const final = stages.at(-1)!;
    expect(final).toMatch(/^USER [1-9][0-9]*(:[0-9]+)?$/m);
    expect(final).not.toMatch(/npm (ci|install)(?!.*--omit=dev)/);
    expect(text).toMatch(/npm ci --omit=dev/);
  });
});
