// CustomResourceDefinitions written through the API behave as in a real cluster: storage versions
// are recorded in status.storedVersions, an update may not drop one of them nor have other than
// exactly one storage version, protected groups need an approval annotation, and the applied
// schema is the one that validates (and the versions the ones that serve) the custom resources.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { call } from './http-client.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function version(name: string, storage: boolean, spec: Record<string, unknown> = { type: 'object', properties: { size: { type: 'integer' } } }): Record<string, unknown> {
  return { name, served: true, storage, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } };
}

function gadgets(versions: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.com', ...extra },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'gadgets', kind: 'Gadget' }, versions },
  };
}

describe('CustomResourceDefinitions through the API', () => {
  let api: FakeApiServer;
  beforeEach(async () => {
    api = await startFakeApiServer();
  });
  afterEach(async () => {
    await api.close();
  });

  it('records each storage version in status.storedVersions and refuses an update that drops one', async () => {
    const created = await call(api.url, 'POST', CRDS, gadgets([version('v1alpha1', true)]));
    expect(created.body.status.storedVersions).toEqual(['v1alpha1']);
    const moved = await call(api.url, 'PUT', `${CRDS}/gadgets.example.com`, gadgets([version('v1alpha1', false), version('v1', true)]));
    expect(moved.status).toBe(200);
    expect(moved.body.status.storedVersions).toEqual(['v1alpha1', 'v1']);
    expect(moved.body.metadata.generation).toBe(2);

    const dropped = await call(api.url, 'PUT', `${CRDS}/gadgets.example.com`, gadgets([version('v1', true)]));
    expect(dropped.status).toBe(422);
    expect(dropped.body.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: status.storedVersions[0]: Invalid value: "v1alpha1": must appear in spec.versions');

    // After a storage migration the old version leaves storedVersions (through /status); then it can go.
    const status = await call(api.url, 'PATCH', `${CRDS}/gadgets.example.com/status`, { status: { storedVersions: ['v1'] } }, 'application/merge-patch+json');
    expect(status.status).toBe(200);
    expect((await call(api.url, 'PUT', `${CRDS}/gadgets.example.com`, gadgets([version('v1', true)]))).status).toBe(200);
    // The storage version itself may not leave storedVersions.
    const noStorage = await call(api.url, 'PATCH', `${CRDS}/gadgets.example.com/status`, { status: { storedVersions: [] } }, 'application/merge-patch+json');
    expect(noStorage.status).toBe(422);
    expect(noStorage.body.message).toContain('status.storedVersions: Invalid value: []interface {}{}: must have at least one stored version');
  });

  it('needs exactly one storage version, unique version names, a schema per version and name = plural.group', async () => {
    const two = await call(api.url, 'POST', CRDS, gadgets([version('v1', true), version('v2', true)]));
    expect(two.status).toBe(422);
    expect(two.body.details.causes).toEqual([expect.objectContaining({ field: 'spec.versions', reason: 'FieldValueInvalid', message: expect.stringMatching(/must have exactly one version marked as storage version$/) })]);
    const none = await call(api.url, 'POST', CRDS, gadgets([version('v1', false)]));
    expect(none.body.details.causes.map((c: { message: string }) => c.message)).toEqual([expect.stringMatching(/must have exactly one version marked as storage version$/)]);
    const noSchema = await call(api.url, 'POST', CRDS, gadgets([{ name: 'v1', served: true, storage: true }]));
    expect(noSchema.body.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required');
    const wrongName = await call(api.url, 'POST', CRDS, { ...gadgets([version('v1', true)]), metadata: { name: 'gizmos.example.com' } });
    expect(wrongName.body.message).toContain('metadata.name: Invalid value: "gizmos.example.com": must be spec.names.plural+"."+spec.group');
    const created = await call(api.url, 'POST', CRDS, gadgets([version('v1', true)]));
    expect(created.status).toBe(201);
    const twoOnUpdate = await call(api.url, 'PUT', `${CRDS}/gadgets.example.com`, gadgets([version('v1', true), version('v2', true)]));
    expect(twoOnUpdate.status).toBe(422);
    const regroup = await call(api.url, 'PUT', `${CRDS}/gadgets.example.com`, { ...gadgets([version('v1', true)]), spec: { ...(gadgets([]).spec as object), group: 'example.org', versions: [version('v1', true)] } });
    expect(regroup.status).toBe(422);
  });

  it('a CRD in a protected group (*.k8s.io) needs an api-approved.kubernetes.io annotation', async () => {
    const crd = (annotations?: Record<string, string>): Record<string, unknown> => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.k8s.io', ...(annotations !== undefined ? { annotations } : {}) },
      spec: { group: 'example.k8s.io', scope: 'Cluster', names: { plural: 'things', kind: 'Thing' }, versions: [version('v1', true)] },
    });
    const missing = await call(api.url, 'POST', CRDS, crd());
    expect(missing.status).toBe(422);
    expect(missing.body.details.causes).toEqual([
      { reason: 'FieldValueRequired', field: 'metadata.annotations[api-approved.kubernetes.io]', message: 'Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111' },
    ]);
    expect((await call(api.url, 'POST', CRDS, crd({ 'api-approved.kubernetes.io': 'soon' }))).status).toBe(422);
    const approved = await call(api.url, 'POST', CRDS, crd({ 'api-approved.kubernetes.io': 'https://github.com/kubernetes/enhancements/pull/1111' }));
    expect(approved.status).toBe(201);
    expect(approved.body.status.conditions).toContainEqual(expect.objectContaining({ type: 'KubernetesAPIApprovalPolicyConformant', status: 'True', reason: 'ApprovedAnnotation' }));
  });

  it('the seeded MCS CRDs follow multiclusterVersions, and applying the shipped ones adds v1beta1 (stored from then on)', async () => {
    const si = await call(api.url, 'GET', `${CRDS}/serviceimports.multicluster.x-k8s.io`);
    expect(si.body.spec.versions.map((v: { name: string }) => v.name)).toEqual(['v1alpha1']);
    api.create({ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'a', namespace: 'default' }, spec: { type: 'Headless', ports: [] } });
    const both = structuredClone(si.body);
    both.spec.versions = [
      { ...si.body.spec.versions[0], storage: false },
      { ...si.body.spec.versions[0], name: 'v1beta1', storage: true },
    ];
    const applied = await call(api.url, 'PUT', `${CRDS}/serviceimports.multicluster.x-k8s.io`, both);
    expect(applied.status).toBe(200);
    expect(applied.body.status.storedVersions).toEqual(['v1alpha1', 'v1beta1']);
    expect((await call(api.url, 'GET', '/apis/multicluster.x-k8s.io')).body.preferredVersion.version).toBe('v1beta1');
    // An object stored before keeps its data and is served at both versions.
    const v1beta1 = await call(api.url, 'GET', '/apis/multicluster.x-k8s.io/v1beta1/namespaces/default/serviceimports/a');
    expect(v1beta1.body).toMatchObject({ apiVersion: 'multicluster.x-k8s.io/v1beta1', spec: { type: 'Headless' } });
  });

  it("an applied CRD's schema validates the writes from then on", async () => {
    const si = await call(api.url, 'GET', `${CRDS}/serviceimports.multicluster.x-k8s.io`);
    const crd = structuredClone(si.body);
    crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.type.enum = ['ClusterSetIP'];
    expect((await call(api.url, 'PUT', `${CRDS}/serviceimports.multicluster.x-k8s.io`, crd)).status).toBe(200);
    const headless = await call(api.url, 'POST', '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/default/serviceimports', {
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'h' },
      spec: { type: 'Headless', ports: [] },
    });
    expect(headless.status).toBe(422);
    expect(headless.body.message).toBe('ServiceImport.multicluster.x-k8s.io "h" is invalid: spec.type: Unsupported value: "Headless": supported values: "ClusterSetIP"');
    // A CRD that serves no version any more takes its resource out of discovery.
    crd.spec.versions[0].served = false;
    crd.metadata.resourceVersion = undefined;
    expect((await call(api.url, 'PUT', `${CRDS}/serviceimports.multicluster.x-k8s.io`, crd)).status).toBe(200);
    expect((await call(api.url, 'GET', '/apis/multicluster.x-k8s.io/v1alpha1')).body.resources.map((r: { name: string }) => r.name)).toEqual(['serviceexports', 'serviceexports/status']);
  });
});
