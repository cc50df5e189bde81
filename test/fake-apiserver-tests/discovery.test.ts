// Discovery documents for the served groups and versions.

import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { call } from './http-client.js';

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
    expect(names).toEqual(['namespaces', 'namespaces/status', 'services', 'services/status']);
    expect(v1.body.resources[0]).toMatchObject({ kind: 'Namespace', namespaced: false, verbs: expect.arrayContaining(['watch', 'list']) });

    const groups = await call(api.url, 'GET', '/apis');
    expect(groups.body.kind).toBe('APIGroupList');
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toEqual([
      'discovery.k8s.io',
      'multicluster.x-k8s.io',
      'coordination.k8s.io',
      'about.k8s.io',
    ]);
    const mc = await call(api.url, 'GET', '/apis/multicluster.x-k8s.io');
    expect(mc.body.preferredVersion.version).toBe('v1beta1');
    expect(mc.body.versions.map((v: { version: string }) => v.version)).toEqual(['v1beta1', 'v1alpha1']);
    for (const version of ['v1alpha1', 'v1beta1']) {
      const list = await call(api.url, 'GET', `/apis/multicluster.x-k8s.io/${version}`);
      expect(list.body.groupVersion).toBe(`multicluster.x-k8s.io/${version}`);
      expect(list.body.resources.map((r: { name: string }) => r.name)).toContain('serviceimports');
    }
    const about = await call(api.url, 'GET', '/apis/about.k8s.io/v1alpha1');
    expect(about.body.resources).toEqual([
      expect.objectContaining({ name: 'clusterproperties', namespaced: false, kind: 'ClusterProperty' }),
    ]);
    expect((await call(api.url, 'GET', '/apis/multicluster.x-k8s.io/v2')).status).toBe(404);
  });

  it('serves only v1alpha1 of the multicluster group by default', async () => {
    api = await startFakeApiServer();
    expect((await call(api.url, 'GET', '/apis/multicluster.x-k8s.io/v1beta1')).status).toBe(404);
    expect((await call(api.url, 'GET', '/apis/multicluster.x-k8s.io')).body.preferredVersion.version).toBe('v1alpha1');
  });
});
