// Discovery documents for the served groups and versions, legacy and aggregated, as they follow the
// stored CRDs; the OpenAPI documents kubectl reads (v3 per group-version with hashes, v2 as JSON and
// in gnostic's protobuf encoding).

import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { call } from './http-client.js';

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

async function get(base: string, path: string, accept: string): Promise<{ status: number; contentType: string; body: any; raw: Buffer }> {
  const res = await fetch(base + path, { headers: { accept } });
  const raw = Buffer.from(await res.arrayBuffer());
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, raw, body: contentType.startsWith('application/json') ? JSON.parse(raw.toString('utf8')) : undefined };
}

describe('fake apiserver discovery', () => {
  let api: FakeApiServer | undefined;
  afterEach(async () => {
    await api?.close();
  });

  it('lists groups, versions (preferred first) and resources with scope, verbs and subresources', async () => {
    api = await startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'] });
    const core = await call(api.url, 'GET', '/api');
    expect(core.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const v1 = await call(api.url, 'GET', '/api/v1');
    const names = v1.body.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(['configmaps', 'namespaces', 'namespaces/status', 'secrets', 'serviceaccounts', 'services', 'services/status']);
    expect(v1.body.resources.find((r: { name: string }) => r.name === 'namespaces')).toMatchObject({ kind: 'Namespace', namespaced: false, verbs: expect.arrayContaining(['watch', 'list']), shortNames: ['ns'] });

    const groups = await call(api.url, 'GET', '/apis');
    expect(groups.body.kind).toBe('APIGroupList');
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toEqual([
      'apps',
      'policy',
      'rbac.authorization.k8s.io',
      'apiextensions.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'about.k8s.io',
      'multicluster.x-k8s.io',
    ]);
    const mc = await call(api.url, 'GET', '/apis/multicluster.x-k8s.io');
    expect(mc.body.preferredVersion.version).toBe('v1beta1');
    expect(mc.body.versions.map((v: { version: string }) => v.version)).toEqual(['v1beta1', 'v1alpha1']);
    for (const version of ['v1alpha1', 'v1beta1']) {
      const list = await call(api.url, 'GET', `/apis/multicluster.x-k8s.io/${version}`);
      expect(list.body.groupVersion).toBe(`multicluster.x-k8s.io/${version}`);
      expect(list.body.resources.map((r: { name: string }) => r.name)).toEqual(['serviceexports', 'serviceexports/status', 'serviceimports', 'serviceimports/status']);
    }
    const about = await call(api.url, 'GET', '/apis/about.k8s.io/v1beta1');
    expect(about.body.resources).toEqual([
      expect.objectContaining({ name: 'clusterproperties', namespaced: false, kind: 'ClusterProperty', categories: ['multicluster'] }),
      expect.objectContaining({ name: 'clusterproperties/status' }),
    ]);
    expect((await call(api.url, 'GET', '/apis/multicluster.x-k8s.io/v2')).status).toBe(404);
  });

  it('serves only v1alpha1 of the multicluster group by default', async () => {
    api = await startFakeApiServer();
    expect((await call(api.url, 'GET', '/apis/multicluster.x-k8s.io/v1beta1')).status).toBe(404);
    expect((await call(api.url, 'GET', '/apis/multicluster.x-k8s.io')).body.preferredVersion.version).toBe('v1alpha1');
    const crd = await call(api.url, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/serviceimports.multicluster.x-k8s.io');
    expect(crd.body.spec.versions.map((v: { name: string; storage: boolean }) => [v.name, v.storage])).toEqual([['v1alpha1', true]]);
    expect(crd.body.status.storedVersions).toEqual(['v1alpha1']);
  });

  it('answers the aggregated form when the Accept header asks for it first, and the legacy one otherwise', async () => {
    api = await startFakeApiServer({ multiclusterVersions: ['v1beta1'] });
    const apis = await get(api.url, '/apis', AGGREGATED);
    expect(apis.contentType).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(apis.body.kind).toBe('APIGroupDiscoveryList');
    const mc = apis.body.items.find((g: { metadata: { name: string } }) => g.metadata.name === 'multicluster.x-k8s.io');
    expect(mc.versions.map((v: { version: string }) => v.version)).toEqual(['v1beta1']);
    expect(mc.versions[0].resources.find((r: { resource: string }) => r.resource === 'serviceimports')).toEqual({
      resource: 'serviceimports',
      responseKind: { group: 'multicluster.x-k8s.io', version: 'v1beta1', kind: 'ServiceImport' },
      scope: 'Namespaced',
      singularResource: 'serviceimport',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['svcim', 'svcimport'],
      subresources: [{ subresource: 'status', responseKind: { group: 'multicluster.x-k8s.io', version: 'v1beta1', kind: 'ServiceImport' }, verbs: ['get', 'patch', 'update'] }],
    });
    const core = await get(api.url, '/api', AGGREGATED);
    expect(core.body.items[0].versions[0].resources.map((r: { resource: string }) => r.resource)).toContain('services');
    // Only v2beta1 asked for (it is not served), or plain JSON: the legacy documents.
    for (const accept of ['application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json', 'application/json, */*']) {
      const legacy = await get(api.url, '/apis', accept);
      expect(legacy.contentType).toBe('application/json');
      expect(legacy.body.kind).toBe('APIGroupList');
    }
  });

  it('a CRD created through the API is served (discovery, aggregated discovery, CRUD); deleting it takes its objects along', async () => {
    api = await startFakeApiServer();
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    const created = await call(api.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    expect(created.status).toBe(201);
    expect(created.body.spec.names).toEqual({ plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList' });
    expect(created.body.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect((await call(api.url, 'GET', '/apis/example.com/v1')).body.resources.map((r: { name: string }) => r.name)).toEqual(['widgets']);
    const w = await call(api.url, 'POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'big' } });
    expect(w.status).toBe(422);
    expect(w.body.message).toBe('Widget.example.com "w" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"');
    expect((await call(api.url, 'POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } })).status).toBe(201);
    expect((await call(api.url, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).status).toBe(200);
    expect((await call(api.url, 'GET', '/apis/example.com/v1')).status).toBe(404);
    expect((await call(api.url, 'GET', '/apis/example.com/v1/namespaces/default/widgets/w')).status).toBe(404);
    // Created again, the resource starts empty: the old objects went with the old CRD.
    await call(api.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    expect((await call(api.url, 'GET', '/apis/example.com/v1/widgets')).body.items).toEqual([]);
  });
});

describe('fake apiserver OpenAPI', () => {
  let api: FakeApiServer | undefined;
  afterEach(async () => {
    await api?.close();
  });

  it('v3: a root with hashed URLs; each group-version document says PATCH takes fieldValidation and which patch types', async () => {
    api = await startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'] });
    const root = await get(api.url, '/openapi/v3', 'application/json');
    expect(Object.keys(root.body.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/multicluster.x-k8s.io/v1beta1', 'apis/multicluster.x-k8s.io/v1alpha1']));
    const url: string = root.body.paths['api/v1'].serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    const core = await get(api.url, url, 'application/json');
    const patch = core.body.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Service' });
    expect(patch.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
    expect(Object.keys(patch.requestBody.content)).toContain('application/strategic-merge-patch+json');
    const ports = core.body.components.schemas['io.k8s.api.core.v1.ServiceSpec'].properties.ports;
    expect(ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'port', 'x-kubernetes-patch-strategy': 'merge' });
    // A stale hash is redirected to the current document.
    const stale = await fetch(`${api.url}/openapi/v3/api/v1?hash=00`, { redirect: 'manual' });
    expect(stale.status).toBe(301);
    expect(stale.headers.get('location')).toBe(url);

    const mc = await get(api.url, root.body.paths['apis/multicluster.x-k8s.io/v1beta1'].serverRelativeURL, 'application/json');
    const siPatch = mc.body.paths['/apis/multicluster.x-k8s.io/v1beta1/namespaces/{namespace}/serviceimports/{name}'].patch;
    expect(Object.keys(siPatch.requestBody.content).sort()).toEqual(['application/json-patch+json', 'application/merge-patch+json']);
    const si = mc.body.components.schemas['io.x-k8s.multicluster.v1beta1.ServiceImport'];
    expect(si['x-kubernetes-group-version-kind']).toEqual([{ group: 'multicluster.x-k8s.io', version: 'v1beta1', kind: 'ServiceImport' }]);
    expect(si.properties.spec.properties.type.enum).toEqual(['ClusterSetIP', 'Headless']);
  });

  it('v2: JSON with every definition, or gnostic protobuf when asked for it', async () => {
    api = await startFakeApiServer();
    const json = await get(api.url, '/openapi/v2', 'application/json');
    expect(json.body.swagger).toBe('2.0');
    expect(json.body.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    expect(json.body.definitions['io.k8s.api.core.v1.Container'].required).toEqual(['name']);
    expect(json.body.definitions['io.x-k8s.multicluster.v1alpha1.ServiceImport']).toBeDefined();
    const pb = await get(api.url, '/openapi/v2', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    expect(pb.status).toBe(200);
    expect(pb.contentType).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    // Document.swagger (field 1) = "2.0", then Info (field 2) titled Kubernetes.
    expect([...pb.raw.subarray(0, 5)]).toEqual([0x0a, 0x03, 0x32, 0x2e, 0x30]);
    expect(pb.raw.includes(Buffer.from('io.k8s.api.core.v1.ServiceSpec'))).toBe(true);
    expect((await get(api.url, '/openapi/v2', 'application/xml')).status).toBe(406);
  });
});
