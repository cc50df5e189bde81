// Create/get/update/patch/delete through real HTTP: server-set fields, the error Status objects,
// optimistic concurrency, the status subresource, no-op writes, namespace and owner cascades.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { call } from './http-client.js';

const SVC = '/api/v1/namespaces/default/services';
const SI = '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/default/serviceimports';

function service(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }] }, ...extra };
}

describe('fake apiserver CRUD', () => {
  let api: FakeApiServer;
  beforeEach(async () => {
    api = await startFakeApiServer();
  });
  afterEach(async () => {
    await api.close();
  });

  it('create sets uid, creationTimestamp, generation and a resourceVersion from the global counter', async () => {
    const before = Number(api.resourceVersion());
    const res = await call(api.url, 'POST', SVC, service('web'));
    expect(res.status).toBe(201);
    const m = res.body.metadata;
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(m.generation).toBe(1);
    expect(m.namespace).toBe('default');
    expect(Number(m.resourceVersion)).toBe(before + 1);
    const got = await call(api.url, 'GET', `${SVC}/web`);
    expect(got.body).toEqual(res.body);
    // A write to another resource bumps the same counter.
    const si = await call(api.url, 'POST', SI, { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'web' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80 }] } });
    expect(Number(si.body.metadata.resourceVersion)).toBe(before + 2);
  });

  it('generateName gets a random suffix', async () => {
    const res = await call(api.url, 'POST', SVC, { apiVersion: 'v1', kind: 'Service', metadata: { generateName: 'derived-' }, spec: {} });
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toMatch(/^derived-[a-z0-9]{5}$/);
  });

  const errorCases: { name: string; method: string; path: string; body?: unknown; code: number; reason: string; message: RegExp }[] = [
    { name: 'missing name', method: 'POST', path: SVC, body: { apiVersion: 'v1', kind: 'Service', metadata: {} }, code: 422, reason: 'Invalid', message: /name or generateName is required/ },
    { name: 'invalid name', method: 'POST', path: SVC, body: service('Bad_Name'), code: 422, reason: 'Invalid', message: /metadata.name: Invalid value/ },
    { name: 'namespace missing', method: 'POST', path: '/api/v1/namespaces/nope/services', body: service('web'), code: 404, reason: 'NotFound', message: /namespaces "nope" not found/ },
    { name: 'namespace mismatch', method: 'POST', path: SVC, body: service('web', { metadata: { name: 'web', namespace: 'other' } }), code: 400, reason: 'BadRequest', message: /does not match the namespace/ },
    { name: 'get missing', method: 'GET', path: `${SVC}/nope`, code: 404, reason: 'NotFound', message: /^services "nope" not found$/ },
    { name: 'get missing CRD', method: 'GET', path: `${SI}/nope`, code: 404, reason: 'NotFound', message: /^serviceimports.multicluster.x-k8s.io "nope" not found$/ },
    { name: 'delete missing', method: 'DELETE', path: `${SVC}/nope`, code: 404, reason: 'NotFound', message: /not found/ },
    { name: 'put missing', method: 'PUT', path: `${SVC}/nope`, body: service('nope'), code: 404, reason: 'NotFound', message: /not found/ },
    { name: 'unknown resource', method: 'GET', path: '/api/v1/namespaces/default/pods', code: 404, reason: 'NotFound', message: /could not find the requested resource/ },
    { name: 'unserved version', method: 'GET', path: '/apis/multicluster.x-k8s.io/v1beta1/serviceimports', code: 404, reason: 'NotFound', message: /could not find/ },
    { name: 'empty body', method: 'POST', path: SVC, body: undefined, code: 400, reason: 'BadRequest', message: /body/ },
    { name: 'wrong kind for path', method: 'POST', path: SVC, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }, code: 400, reason: 'BadRequest', message: /does not match/ },
  ];
  it.each(errorCases)('error: $name', async (c) => {
    const res = await call(api.url, c.method, c.path, c.body);
    expect(res.status).toBe(c.code);
    expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: c.code, reason: c.reason });
    expect(res.body.message).toMatch(c.message);
  });

  it('duplicate create is 409 AlreadyExists', async () => {
    await call(api.url, 'POST', SVC, service('web'));
    const res = await call(api.url, 'POST', SVC, service('web'));
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe('AlreadyExists');
    expect(res.body.message).toBe('services "web" already exists');
  });

  it('PUT with a stale resourceVersion is 409 Conflict; with the current one it succeeds; without one it is unconditional', async () => {
    const created = (await call(api.url, 'POST', SVC, service('web'))).body;
    const first = await call(api.url, 'PUT', `${SVC}/web`, { ...created, metadata: { ...created.metadata, labels: { a: '1' } } });
    expect(first.status).toBe(200);
    expect(Number(first.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const stale = await call(api.url, 'PUT', `${SVC}/web`, { ...created, metadata: { ...created.metadata, labels: { a: '2' } } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toMatch(/the object has been modified/);
    const { resourceVersion: _rv, ...metaNoRv } = created.metadata;
    const unconditional = await call(api.url, 'PUT', `${SVC}/web`, { ...created, metadata: { ...metaNoRv, labels: { a: '3' } } });
    expect(unconditional.status).toBe(200);
    expect(unconditional.body.metadata.labels).toEqual({ a: '3' });
    expect(unconditional.body.metadata.uid).toBe(created.metadata.uid);
  });

  it('an update that changes nothing keeps the resourceVersion and emits no event', async () => {
    const created = (await call(api.url, 'POST', SVC, service('web'))).body;
    const rv = api.resourceVersion();
    const same = await call(api.url, 'PUT', `${SVC}/web`, created);
    expect(same.status).toBe(200);
    expect(same.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const patched = await call(api.url, 'PATCH', `${SVC}/web`, { metadata: { labels: null } }, 'application/merge-patch+json');
    expect(patched.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(api.resourceVersion()).toBe(rv);
  });

  it('generation moves on spec changes only', async () => {
    await call(api.url, 'POST', SI, { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'x' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80 }] } });
    const labelled = await call(api.url, 'PATCH', `${SI}/x`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    expect(labelled.body.metadata.generation).toBe(1);
    const specced = await call(api.url, 'PATCH', `${SI}/x`, { spec: { type: 'Headless' } }, 'application/merge-patch+json');
    expect(specced.body.metadata.generation).toBe(2);
  });

  it('merge, strategic-merge and JSON patch apply; other media types are 415', async () => {
    await call(api.url, 'POST', SVC, service('web', { metadata: { name: 'web', labels: { a: '1', b: '2' } } }));
    const merge = await call(api.url, 'PATCH', `${SVC}/web`, { metadata: { labels: { a: null, c: '3' } } }, 'application/merge-patch+json');
    expect(merge.body.metadata.labels).toEqual({ b: '2', c: '3' });
    const smp = await call(api.url, 'PATCH', `${SVC}/web`, { metadata: { labels: { d: '4' } } }, 'application/strategic-merge-patch+json');
    expect(smp.body.metadata.labels).toEqual({ b: '2', c: '3', d: '4' });
    const json = await call(api.url, 'PATCH', `${SVC}/web`, [{ op: 'replace', path: '/metadata/labels/b', value: 'x' }, { op: 'remove', path: '/metadata/labels/c' }], 'application/json-patch+json');
    expect(json.status).toBe(200);
    expect(json.body.metadata.labels).toEqual({ b: 'x', d: '4' });
    const apply = await call(api.url, 'PATCH', `${SVC}/web`, {}, 'application/apply-patch+yaml');
    expect(apply.status).toBe(415);
    const stale = await call(api.url, 'PATCH', `${SVC}/web`, { metadata: { resourceVersion: '1', labels: { e: '5' } } }, 'application/merge-patch+json');
    expect(stale.status).toBe(409);
    const missing = await call(api.url, 'PATCH', `${SVC}/nope`, { metadata: {} }, 'application/merge-patch+json');
    expect(missing.status).toBe(404);
  });

  it('status subresource: main writes ignore .status, /status writes change only .status', async () => {
    const created = await call(api.url, 'POST', SI, {
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'x' },
      spec: { type: 'ClusterSetIP', ports: [] },
      status: { clusters: [{ cluster: 'ignored' }] },
    });
    expect(created.body.status).toBeUndefined();
    const st = await call(api.url, 'PATCH', `${SI}/x/status`, { spec: { type: 'Headless' }, status: { clusters: [{ cluster: 'a' }] } }, 'application/merge-patch+json');
    expect(st.status).toBe(200);
    expect(st.body.status).toEqual({ clusters: [{ cluster: 'a' }] });
    expect(st.body.spec).toEqual({ type: 'ClusterSetIP', ports: [] });
    const put = await call(api.url, 'PUT', `${SI}/x`, { ...st.body, spec: { type: 'Headless', ports: [] }, status: { clusters: [] } });
    expect(put.body.spec).toEqual({ type: 'Headless', ports: [] });
    expect(put.body.status).toEqual({ clusters: [{ cluster: 'a' }] });
    const putStatus = await call(api.url, 'PUT', `${SI}/x/status`, { ...put.body, status: { clusters: [{ cluster: 'b' }] } });
    expect(putStatus.body.status).toEqual({ clusters: [{ cluster: 'b' }] });
    // Kinds without a status subresource keep .status from the main resource and have no /status path.
    const lease = await call(api.url, 'POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'me' } });
    expect(lease.status).toBe(201);
    expect((await call(api.url, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/l/status')).status).toBe(200);
  });

  it('delete returns the object, honours preconditions, and list kinds/items look like the real server', async () => {
    const created = (await call(api.url, 'POST', SVC, service('web'))).body;
    const pre = await call(api.url, 'DELETE', `${SVC}/web`, { preconditions: { uid: 'other' } });
    expect(pre.status).toBe(409);
    const list = await call(api.url, 'GET', SVC);
    expect(list.body).toMatchObject({ kind: 'ServiceList', apiVersion: 'v1', metadata: { resourceVersion: api.resourceVersion() } });
    // Built-in list items carry no apiVersion/kind; custom resources' items do.
    expect(list.body.items[0].kind).toBeUndefined();
    await call(api.url, 'POST', SI, { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'x' } });
    const siList = await call(api.url, 'GET', '/apis/multicluster.x-k8s.io/v1alpha1/serviceimports');
    expect(siList.body.kind).toBe('ServiceImportList');
    expect(siList.body.items[0]).toMatchObject({ kind: 'ServiceImport', apiVersion: 'multicluster.x-k8s.io/v1alpha1' });
    const del = await call(api.url, 'DELETE', `${SVC}/web`, { preconditions: { uid: created.metadata.uid } });
    expect(del.status).toBe(200);
    expect(del.body.metadata.name).toBe('web');
    expect((await call(api.url, 'GET', `${SVC}/web`)).status).toBe(404);
  });

  it('cluster-scoped kinds: namespaces and clusterproperties', async () => {
    const ns = await call(api.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'provider-ns' } });
    expect(ns.status).toBe(201);
    expect(ns.body.status).toEqual({ phase: 'Active' });
    expect(ns.body.metadata.namespace).toBeUndefined();
    expect(ns.body.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'provider-ns' });
    const cp = await call(api.url, 'POST', '/apis/about.k8s.io/v1alpha1/clusterproperties', { apiVersion: 'about.k8s.io/v1alpha1', kind: 'ClusterProperty', metadata: { name: 'cluster.clusterset.k8s.io' }, spec: { value: 'east' } });
    expect(cp.status).toBe(201);
    expect((await call(api.url, 'GET', '/apis/about.k8s.io/v1alpha1/clusterproperties/cluster.clusterset.k8s.io')).body.spec).toEqual({ value: 'east' });
    expect((await call(api.url, 'GET', '/api/v1/namespaces/provider-ns')).body.metadata.name).toBe('provider-ns');
    expect((await call(api.url, 'GET', '/apis/about.k8s.io/v1alpha1/namespaces/default/clusterproperties')).status).toBe(404);
  });

  it('deleting a namespace deletes its objects; deleting an owner deletes its dependents (transitively)', async () => {
    await call(api.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } });
    await call(api.url, 'POST', '/api/v1/namespaces/gone/services', service('a'));
    await call(api.url, 'POST', SVC, service('keep'));
    await call(api.url, 'DELETE', '/api/v1/namespaces/gone');
    expect(api.list('v1', 'Service').map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['default/keep']);

    const owner = api.create({ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'web', namespace: 'default' } });
    const ref = { apiVersion: owner.apiVersion, kind: owner.kind, name: 'web', uid: owner.metadata.uid ?? '', controller: true };
    const derived = api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'derived', namespace: 'default', ownerReferences: [ref] }, spec: {} });
    api.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'slice', namespace: 'default', ownerReferences: [ref] }, addressType: 'IPv4', endpoints: [] });
    const grandRef = { apiVersion: 'v1', kind: 'Service', name: 'derived', uid: derived.metadata.uid ?? '' };
    api.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'grand', namespace: 'default', ownerReferences: [grandRef] }, addressType: 'IPv4' });
    // Two owners: survives while one remains.
    const other = api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'other', namespace: 'default' }, spec: {} });
    api.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'shared', namespace: 'default', ownerReferences: [ref, { ...grandRef, name: 'other', uid: other.metadata.uid ?? '' }] }, addressType: 'IPv4' });

    const del = await call(api.url, 'DELETE', `${SI}/web`);
    expect(del.status).toBe(200);
    expect(api.find('v1', 'Service', 'default', 'derived')).toBeUndefined();
    expect(api.list('discovery.k8s.io/v1', 'EndpointSlice', 'default').map((s) => s.metadata.name)).toEqual(['shared']);
  });

  it('EndpointSlice validation and defaults', async () => {
    const path = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
    const bad = await call(api.url, 'POST', path, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' } });
    expect(bad.status).toBe(422);
    const ok = await call(api.url, 'POST', path, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.1.0.1'] }] });
    expect(ok.status).toBe(201);
    expect(ok.body.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it('limit and continue page through a list', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await call(api.url, 'POST', SVC, service(n));
    const names: string[] = [];
    let token = '';
    for (let page = 0; page < 5; page++) {
      const res = await call(api.url, 'GET', `${SVC}?limit=2${token === '' ? '' : `&continue=${token}`}`);
      names.push(...res.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      token = res.body.metadata.continue ?? '';
      if (token === '') break;
    }
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
