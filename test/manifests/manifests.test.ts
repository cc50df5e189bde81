// The manifests: every YAML parses; every kustomization builds the way kustomize builds it
// (./kustomize.ts, compared with `kubectl kustomize` where kubectl is installed); the CRDs have the
// upstream MCS and about-api schemas and stand alone; the RBAC is exactly what each program needs,
// in the cluster it runs in and in member clusters; every shipped reconciler config is valid; every
// container runs non-root with a read-only root filesystem and no capabilities but
// NET_BIND_SERVICE where it binds :53; the Corefile, CoreDNS snippet and client pod say what the
// walk-through needs.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
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
import { parseConfigText } from '../../src/reconciler/config.js';
import { derivedServiceName } from '../../src/reconciler/desired/naming.js';

const ROOT = new URL('../../manifests/', import.meta.url).pathname;
const REPO = new URL('../../', import.meta.url).pathname;
const NS = 'clusterset-system';
const KUBECTL = '/usr/bin/kubectl';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

/** Every directory holding a kustomization.yaml, relative to manifests/. */
function kustomizations(dir = ROOT, rel = ''): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.name === 'kustomization.yaml') ? [rel] : [];
  return [...here, ...entries.filter((e) => e.isDirectory()).flatMap((e) => kustomizations(join(dir, e.name), rel === '' ? e.name : `${rel}/${e.name}`))];
}

const crds = build(join(ROOT, 'crds'));
const member = build(join(ROOT, 'member'));
const serverOnly = build(join(ROOT, 'overlays/server-only'));
const withReconciler = build(join(ROOT, 'overlays/server-with-reconciler'));
const walkthrough = build(join(ROOT, 'overlays/walkthrough'));

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
const triples = (group: string, resource: string, verbs: readonly string[]) => verbs.map((v) => `${group} ${resource} ${v}`);

/** What clusterset-reconciler does in every member cluster, the one it runs in included. */
const reconcilerMemberGrants = [
  ...triples('core', 'namespaces', ['get', 'list', 'watch']),
  ...triples('about.k8s.io', 'clusterproperties', ['list', 'watch']),
  ...triples('multicluster.x-k8s.io', 'serviceexports', ['list', 'watch']),
  ...triples('multicluster.x-k8s.io', 'serviceexports/status', ['update']),
  ...triples('multicluster.x-k8s.io', 'serviceimports', ['list', 'watch', 'create', 'update', 'delete']),
  ...triples('multicluster.x-k8s.io', 'serviceimports/status', ['update']),
  ...triples('core', 'services', ['list', 'watch', 'create', 'update', 'delete']),
  ...triples('discovery.k8s.io', 'endpointslices', ['list', 'watch', 'create', 'update', 'delete']),
].sort();

/** A CRD version's schema at a dotted path of property names (`spec.ports`, `status.conditions`). */
function schemaAt(version: Obj, path: string): Obj {
  let node = (version.schema as Obj).openAPIV3Schema as Obj;
  for (const part of path.split('.')) {
    const props = (node.type === 'array' ? (node.items as Obj) : node).properties as Obj | undefined;
    const next = props?.[part];
    if (!isObj(next)) throw new Error(`schema has no ${path} (stopped at ${part})`);
    node = next;
  }
  return node;
}

function versionsOf(crd: Obj): Obj[] {
  return (crd.spec as Obj).versions as Obj[];
}

/** The schema with descriptions removed: what validation sees. */
function structure(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structure);
  if (!isObj(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'description').map(([k, x]) => [k, structure(x)]));
}

/** A structural schema (required by apiextensions.k8s.io/v1) gives every node a type. */
function untypedNodes(node: Obj, path: string): string[] {
  const out = node.type === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true && node['x-kubernetes-int-or-string'] !== true ? [path] : [];
  for (const [k, child] of Object.entries((node.properties ?? {}) as Obj)) out.push(...untypedNodes(child as Obj, `${path}.${k}`));
  if (isObj(node.items)) out.push(...untypedNodes(node.items, `${path}[]`));
  if (isObj(node.additionalProperties)) out.push(...untypedNodes(node.additionalProperties, `${path}{}`));
  return out;
}

/** status.conditions as metav1.Condition: a list map keyed by type, the fields and limits the API server's own type has. */
function expectConditions(version: Obj): void {
  const conditions = schemaAt(version, 'status.conditions');
  expect(conditions.type).toBe('array');
  expect(conditions['x-kubernetes-list-type']).toBe('map');
  expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
  const item = conditions.items as Obj;
  expect([...(item.required as string[])].sort()).toEqual(['lastTransitionTime', 'message', 'reason', 'status', 'type']);
  expect(structure(item.properties)).toEqual({
    lastTransitionTime: { type: 'string', format: 'date-time' },
    message: { type: 'string', maxLength: 32768 },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    reason: { type: 'string', maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    type: {
      type: 'string',
      maxLength: 316,
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    },
  });
}

/** Reconciler configs shipped as ConfigMaps, by where they are. */
function reconcilerConfigText(objs: readonly Obj[]): string {
  return String((find(objs, 'ConfigMap', 'clusterset-reconciler').data as Obj)['config.yaml']);
}

/** Kubeconfig paths are checked against the Secret mount (/etc/clusterset), where they will exist. */
const inKubeconfigMount = { fileExists: (p: string) => p.startsWith('/etc/clusterset/') };

describe('manifests', () => {
  it('every YAML file parses', () => {
    const files = yamlFiles(ROOT);
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) expect(() => readYamlDocs(f), f).not.toThrow();
  });

  it('overlays build to the expected objects, without CRDs (a separate piece, manifests/crds)', () => {
    const server = [
      'ClusterRole/clusterset-dns', 'ClusterRoleBinding/clusterset-dns', 'ConfigMap/clusterset-dns',
      'Deployment/clusterset-dns', 'Namespace/clusterset-system',
      'PodDisruptionBudget/clusterset-dns', 'Service/clusterset-dns', 'ServiceAccount/clusterset-dns',
    ];
    const reconciler = [
      'ClusterRole/clusterset-reconciler', 'ClusterRoleBinding/clusterset-reconciler', 'ConfigMap/clusterset-reconciler',
      'Deployment/clusterset-reconciler', 'PodDisruptionBudget/clusterset-reconciler', 'Role/clusterset-reconciler-leader-election',
      'RoleBinding/clusterset-reconciler-leader-election', 'ServiceAccount/clusterset-reconciler',
    ];
    expect(names(serverOnly)).toEqual(server);
    expect(names(withReconciler)).toEqual([...server, ...reconciler].sort());
    expect(names(walkthrough)).toEqual([...server, ...reconciler].sort());
    for (const o of [...serverOnly, ...withReconciler, ...walkthrough, ...member]) expect(o.kind).not.toBe('CustomResourceDefinition');
  });

  it('builds the CRDs alone: ServiceImport, ServiceExport, ClusterProperty', () => {
    expect(names(crds)).toEqual([
      'CustomResourceDefinition/clusterproperties.about.k8s.io',
      'CustomResourceDefinition/serviceexports.multicluster.x-k8s.io',
      'CustomResourceDefinition/serviceimports.multicluster.x-k8s.io',
    ]);
    // Each file holds its one CRD: other tooling loads them one by one.
    for (const f of ['serviceimports', 'serviceexports', 'clusterproperties']) {
      const docs = readYamlDocs(join(ROOT, `crds/${f}.yaml`));
      expect(docs.map((d) => (d.metadata as Obj).name)).toEqual([`${f}.${f === 'clusterproperties' ? 'about.k8s.io' : 'multicluster.x-k8s.io'}`]);
    }
  });

  it('serves v1alpha1 and v1beta1 of both MCS CRDs, stores v1beta1, with the status subresource and one schema', () => {
    for (const [name, kind, shortNames] of [
      ['serviceimports', 'ServiceImport', ['svcim', 'svcimport']],
      ['serviceexports', 'ServiceExport', ['svcex', 'svcexport']],
    ] as const) {
      const crd = find(crds, 'CustomResourceDefinition', `${name}.multicluster.x-k8s.io`);
      const spec = crd.spec as Obj;
      expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(spec.group).toBe('multicluster.x-k8s.io');
      expect(spec.scope).toBe('Namespaced');
      expect(spec.names).toEqual({ plural: name, singular: name.slice(0, -1), kind, shortNames });
      const versions = versionsOf(crd);
      expect(versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, false], ['v1beta1', true, true]]);
      for (const v of versions) {
        expect(v.subresources).toEqual({ status: {} });
        expect(untypedNodes((v.schema as Obj).openAPIV3Schema as Obj, name)).toEqual([]);
        expectConditions(v);
      }
      // No conversion webhook: the versions must stay identical for the API server's None conversion.
      expect(spec.conversion).toBeUndefined();
      expect(structure(versions[0]!.schema)).toEqual(structure(versions[1]!.schema));
      expect(structure(versions[0]!.additionalPrinterColumns)).toEqual(structure(versions[1]!.additionalPrinterColumns));
    }
  });

  it("gives ServiceImport the MCS API's fields: spec type/ips/ipFamilies/ports/session affinity/policies, status.clusters", () => {
    const crd = find(crds, 'CustomResourceDefinition', 'serviceimports.multicluster.x-k8s.io');
    const v = versionsOf(crd)[1]!;
    const spec = schemaAt(v, 'spec');
    expect(spec.required).toEqual(['ports', 'type']);
    expect(Object.keys(spec.properties as Obj).sort()).toEqual(
      ['internalTrafficPolicy', 'ipFamilies', 'ips', 'ports', 'sessionAffinity', 'sessionAffinityConfig', 'trafficDistribution', 'type'],
    );
    expect(structure(schemaAt(v, 'spec.type'))).toEqual({ type: 'string', enum: ['ClusterSetIP', 'Headless'] });
    expect(structure(schemaAt(v, 'spec.ips'))).toEqual({ type: 'array', maxItems: 2, items: { type: 'string' } });
    expect(structure(schemaAt(v, 'spec.ipFamilies'))).toEqual({ type: 'array', maxItems: 2, items: { type: 'string' } });
    const ports = schemaAt(v, 'spec.ports');
    expect(ports['x-kubernetes-list-type']).toBe('atomic');
    expect(structure(ports.items)).toEqual({
      type: 'object',
      required: ['port'],
      properties: {
        appProtocol: { type: 'string' },
        name: { type: 'string' },
        port: { type: 'integer', format: 'int32' },
        protocol: { type: 'string' },
      },
    });
    expect(structure(schemaAt(v, 'spec.sessionAffinity'))).toEqual({ type: 'string' });
    expect(structure(schemaAt(v, 'spec.sessionAffinityConfig.clientIP.timeoutSeconds'))).toEqual({ type: 'integer', format: 'int32' });
    const clusters = schemaAt(v, 'status.clusters');
    expect(clusters['x-kubernetes-list-type']).toBe('map');
    expect(clusters['x-kubernetes-list-map-keys']).toEqual(['cluster']);
    expect(structure(clusters.items)).toEqual({ type: 'object', required: ['cluster'], properties: { cluster: { type: 'string' } } });
    expect(Object.keys(schemaAt(v, 'status').properties as Obj).sort()).toEqual(['clusters', 'conditions']);
    expect((v.additionalPrinterColumns as Obj[]).map((c) => `${String(c.name)} ${String(c.jsonPath)}`)).toEqual(
      ['Type .spec.type', 'IP .spec.ips', 'Age .metadata.creationTimestamp'],
    );
  });

  it("gives ServiceExport the MCS API's fields: exported labels and annotations, status.conditions", () => {
    const v = versionsOf(find(crds, 'CustomResourceDefinition', 'serviceexports.multicluster.x-k8s.io'))[1]!;
    expect(structure(schemaAt(v, 'spec'))).toEqual({
      type: 'object',
      properties: {
        exportedAnnotations: { type: 'object', additionalProperties: { type: 'string' } },
        exportedLabels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    });
    expect(Object.keys(schemaAt(v, 'status').properties as Obj)).toEqual(['conditions']);
  });

  it('defines ClusterProperty cluster-scoped in about.k8s.io, with the API approval annotation a *.k8s.io group needs', () => {
    const crd = find(crds, 'CustomResourceDefinition', 'clusterproperties.about.k8s.io');
    const spec = crd.spec as Obj;
    expect(spec.group).toBe('about.k8s.io');
    expect(spec.scope).toBe('Cluster');
    expect((spec.names as Obj).kind).toBe('ClusterProperty');
    expect(((crd.metadata as Obj).annotations as Obj)['api-approved.kubernetes.io']).toMatch(/^https:\/\/github\.com\/kubernetes\/enhancements\/pull\/\d+$/);
    const versions = versionsOf(crd);
    // v1alpha1 is the version the server and the reconciler read; v1beta1 is stored, as about-api does.
    expect(versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, false], ['v1beta1', true, true]]);
    for (const v of versions) {
      expect(v.subresources).toEqual({ status: {} });
      expect(untypedNodes((v.schema as Obj).openAPIV3Schema as Obj, 'clusterproperties')).toEqual([]);
      expect(structure(schemaAt(v, 'spec'))).toEqual({ type: 'object', required: ['value'], properties: { value: { type: 'string', minLength: 1 } } });
    }
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

  it('gives the server get/list/watch on serviceimports, endpointslices, namespaces and clusterproperties, and nothing else', () => {
    const role = find(serverOnly, 'ClusterRole', 'clusterset-dns');
    expect(grants(role)).toEqual(
      [
        ...triples('multicluster.x-k8s.io', 'serviceimports', read),
        ...triples('discovery.k8s.io', 'endpointslices', read),
        ...triples('core', 'namespaces', read),
        ...triples('about.k8s.io', 'clusterproperties', read),
      ].sort(),
    );
    const binding = find(serverOnly, 'ClusterRoleBinding', 'clusterset-dns');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'clusterset-dns' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'clusterset-dns', namespace: NS }]);
    const sa = (podSpecOf(find(serverOnly, 'Deployment', 'clusterset-dns'))!).serviceAccountName;
    expect(sa).toBe('clusterset-dns');
  });

  it('gives the reconciler in a member cluster exactly the requests it makes: no patch, no get but on namespaces, no secrets, no wildcards', () => {
    expect(names(member)).toEqual([
      'ClusterRole/clusterset-reconciler', 'ClusterRoleBinding/clusterset-reconciler', 'Namespace/clusterset-system',
      'Secret/clusterset-reconciler-token', 'ServiceAccount/clusterset-reconciler',
    ]);
    const role = find(member, 'ClusterRole', 'clusterset-reconciler');
    expect(grants(role)).toEqual(reconcilerMemberGrants);
    const text = JSON.stringify(role.rules);
    expect(text).not.toContain('*');
    expect(text).not.toContain('secrets');
    expect(text).not.toContain('patch');
    const binding = find(member, 'ClusterRoleBinding', 'clusterset-reconciler');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'clusterset-reconciler' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'clusterset-reconciler', namespace: NS }]);
    expect((find(member, 'ServiceAccount', 'clusterset-reconciler').metadata as Obj).namespace).toBe(NS);
    for (const o of member) expect(((o.metadata as Obj).labels as Obj)['app.kubernetes.io/part-of']).toBe('clusterset-dns');
  });

  it('ships a long-lived token Secret for the member ServiceAccount, left for the token controller to fill', () => {
    const secret = find(member, 'Secret', 'clusterset-reconciler-token');
    expect(secret.type).toBe('kubernetes.io/service-account-token');
    expect((secret.metadata as Obj).namespace).toBe(NS);
    expect(((secret.metadata as Obj).annotations as Obj)['kubernetes.io/service-account.name']).toBe('clusterset-reconciler');
    expect(secret.data).toBeUndefined();
    expect(secret.stringData).toBeUndefined();
  });

  it('gives the reconciler the same ClusterRole where it runs, plus get/create/update on Leases in its namespace only', () => {
    for (const objs of [withReconciler, walkthrough]) {
      expect(grants(find(objs, 'ClusterRole', 'clusterset-reconciler'))).toEqual(reconcilerMemberGrants);
      const lease = find(objs, 'Role', 'clusterset-reconciler-leader-election');
      expect((lease.metadata as Obj).namespace).toBe(NS);
      expect(grants(lease)).toEqual(triples('coordination.k8s.io', 'leases', ['get', 'create', 'update']).sort());
      const binding = find(objs, 'RoleBinding', 'clusterset-reconciler-leader-election');
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'clusterset-reconciler', namespace: NS }]);
      expect(podSpecOf(find(objs, 'Deployment', 'clusterset-reconciler'))!.serviceAccountName).toBe('clusterset-reconciler');
      for (const o of objs.filter((x) => String(x.kind).endsWith('Role'))) {
        const text = JSON.stringify(o.rules);
        expect(text, 'no wildcards').not.toContain('*');
        expect(text).not.toContain('secrets');
        expect(text).not.toContain('patch');
      }
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
    const patched = reconcilerConfigText(withReconciler);
    expect(patched).not.toBe(reconcilerConfigText(base));
    for (const keyText of ['clusters:', 'derivedService:', 'namespaces:', 'unreachableGracePeriod:', 'leaderElection:', 'listen:']) {
      expect(patched).toContain(keyText);
    }
    expect(patched).toContain('kubeconfig: /etc/clusterset/cluster2.kubeconfig');
  });

  it('ships only valid reconciler configs, whose kubeconfigs, Lease and listeners match the Deployment', () => {
    const files = ['config/reconciler.yaml', 'config/reconciler-walkthrough.yaml'];
    for (const f of files) expect(() => parseConfigText(readFileSync(join(REPO, f), 'utf8'), { ...inKubeconfigMount, source: f }), f).not.toThrow();
    for (const [where, objs] of [['reconciler', build(join(ROOT, 'reconciler'))], ['server-with-reconciler', withReconciler], ['walkthrough', walkthrough]] as const) {
      const config = parseConfigText(reconcilerConfigText(objs), { ...inKubeconfigMount, source: where });
      const pod = podSpecOf(find(objs, 'Deployment', 'clusterset-reconciler'))!;
      const c = (pod.containers as Obj[])[0]!;
      const volume = (pod.volumes as Obj[]).find((v) => isObj(v.secret) && v.secret.secretName === 'clusterset-kubeconfigs')!;
      const mount = (c.volumeMounts as Obj[]).find((m) => m.name === volume.name)!;
      for (const cluster of config.clusters) {
        if (!cluster.inCluster) expect(cluster.kubeconfig!.startsWith(`${String(mount.mountPath)}/`), where).toBe(true);
      }
      expect(config.clusters.filter((x) => x.inCluster), where).toHaveLength(1);
      expect(config.leaderElection.namespace, where).toBe(NS);
      const ports = (c.ports as Obj[]).map((p) => p.containerPort);
      expect(ports, where).toEqual([config.listen.health!.port, config.listen.metrics!.port]);
    }
  });

  it('ships the walk-through config and overlay: derived Service amcs-service1, the provider through a kubeconfig', () => {
    const text = readFileSync(join(REPO, 'config/reconciler-walkthrough.yaml'), 'utf8');
    expect(reconcilerConfigText(walkthrough)).toBe(text);
    const config = parseConfigText(text, inKubeconfigMount);
    expect(config.derivedService).toEqual({ naming: 'prefix', prefix: 'amcs-' });
    expect(derivedServiceName(config.derivedService, 'provider-ns', 'service1')).toBe('amcs-service1');
    expect(config.clusters.map((c) => [c.id, c.inCluster, c.kubeconfig])).toEqual([
      ['cluster1', false, '/etc/clusterset/cluster1.kubeconfig'],
      ['cluster2', true, null],
    ]);
    expect(config.namespaces).toEqual([]);
  });

  it('builds every kustomization as kubectl kustomize does (when /usr/bin/kubectl is installed)', () => {
    const dirs = kustomizations();
    expect(dirs.sort()).toEqual(['base', 'crds', 'member', 'overlays/server-only', 'overlays/server-with-reconciler', 'overlays/walkthrough', 'reconciler']);
    const byKey = (objs: readonly Obj[]) =>
      Object.fromEntries(objs.map((o) => [`${String(o.kind)}/${String((o.metadata as Obj).namespace ?? '')}/${String((o.metadata as Obj).name)}`, o]));
    const ours = dirs.map((d) => byKey(build(join(ROOT, d))));
    if (!existsSync(KUBECTL)) {
      console.warn(`${KUBECTL} not found: the builds were not compared with kubectl kustomize`);
      return;
    }
    dirs.forEach((d, i) => {
      // No kubeconfig: kustomize needs none, and a kubectl that asks a server for its version must not find one.
      const env = { ...process.env, KUBECONFIG: join(ROOT, 'no-such-kubeconfig') };
      const out = execFileSync(KUBECTL, ['kustomize', join(ROOT, d)], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
      const theirs = parseAllDocuments(out).map((doc) => doc.toJS() as Obj).filter(isObj);
      expect(ours[i], d).toEqual(byKey(theirs));
    });
  });

  it("walks a user through adding a member cluster in the README with the shipped names", () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain('kubectl apply -k manifests/crds');
    const at = readme.indexOf('### Adding a member cluster\n');
    expect(at).toBeGreaterThan(0);
    const section = readme.slice(at, readme.indexOf('\n### ', at + 1));
    const token = find(member, 'Secret', 'clusterset-reconciler-token');
    const mount = (podSpecOf(find(withReconciler, 'Deployment', 'clusterset-reconciler'))!.containers as Obj[])[0]!.volumeMounts as Obj[];
    for (const text of [
      'apply -k manifests/member',
      `secret ${String((token.metadata as Obj).name)}`,
      '--embed-certs',
      'auth can-i',
      'create secret generic clusterset-kubeconfigs',
      'members.yaml',
      `kubeconfig: ${String(mount.find((m) => m.name === 'kubeconfigs')!.mountPath)}/cluster2.kubeconfig`,
    ]) {
      expect(section, text).toContain(text);
    }
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
