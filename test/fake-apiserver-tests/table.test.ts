// Server-side printing for `kubectl get`: the Table the server answers when the Accept header asks
// for one (columns and cells of Service, Namespace, EndpointSlice, Deployment, RBAC bindings; a
// custom resource's printer columns; NAME/CREATED AT for kinds without a printer), the row objects
// per includeObject, and the wording of ages.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { humanDuration } from '../fake-apiserver/table/human-duration.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

async function getTable(base: string, path: string, accept = TABLE): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, { headers: { accept } });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

function names(table: any): string[] {
  return table.columnDefinitions.map((c: { name: string }) => c.name);
}

const AGE = /^\d+s$/;

describe('server-side Table output', () => {
  let api: FakeApiServer;
  beforeAll(async () => {
    api = await startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'] });
    api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web', tier: 'a' }, ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] } });
    api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    api.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'default' },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => ({ addresses: [ip] })),
    });
    api.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
    });
    api.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }, { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    api.create({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterSetIP', ips: ['10.96.0.10'], ports: [{ port: 80 }] } });
    api.create({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'db', namespace: 'default' }, spec: { type: 'Headless', ports: [] } });
  });
  afterAll(async () => {
    await api.close();
  });

  it('Service: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, and the wide Selector', async () => {
    const { body } = await getTable(api.url, '/api/v1/namespaces/default/services');
    expect(body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: api.resourceVersion() } });
    expect(names(body)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    expect(body.columnDefinitions.map((c: { priority: number }) => c.priority)).toEqual([0, 0, 0, 0, 0, 0, 1]);
    const [ext, web] = body.rows;
    expect(web.cells).toEqual(['web', 'ClusterIP', expect.stringMatching(/^10\.96\./), '<none>', '80/TCP,53/UDP', expect.stringMatching(AGE), 'app=web,tier=a']);
    expect(ext.cells).toEqual(['ext', 'ExternalName', '<none>', 'example.com', '<none>', expect.stringMatching(AGE), '<none>']);
    expect(web.object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'web', namespace: 'default' } });
    expect(web.object.spec).toBeUndefined();
  });

  it('one object, Namespace, EndpointSlice, Deployment and RBAC bindings', async () => {
    const one = await getTable(api.url, '/api/v1/namespaces/default');
    expect(names(one.body)).toEqual(['Name', 'Status', 'Age']);
    expect(one.body.rows).toEqual([expect.objectContaining({ cells: ['default', 'Active', expect.stringMatching(AGE)] })]);
    const slices = await getTable(api.url, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices');
    expect(names(slices.body)).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    expect(slices.body.rows[0].cells.slice(0, 4)).toEqual(['web-abc', 'IPv4', '8080', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...']);
    const deploy = await getTable(api.url, '/apis/apps/v1/namespaces/default/deployments');
    expect(names(deploy.body)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
    expect(deploy.body.rows[0].cells).toEqual(['web', '0/2', 0, 0, expect.stringMatching(AGE), 'c', 'nginx:1.27', 'app=web']);
    const crb = await getTable(api.url, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings');
    expect(names(crb.body)).toEqual(['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
    expect(crb.body.rows[0].cells).toEqual(['b', 'ClusterRole/r', expect.stringMatching(AGE), 'alice', '', 'ns:sa']);
  });

  it("a custom resource's additionalPrinterColumns; kinds without a printer get NAME and CREATED AT", async () => {
    const si = await getTable(api.url, '/apis/multicluster.x-k8s.io/v1beta1/namespaces/default/serviceimports');
    expect(names(si.body)).toEqual(['Name', 'Type', 'IP', 'Age']);
    expect(si.body.columnDefinitions[0]).toMatchObject({ type: 'string', format: 'name' });
    expect(si.body.rows.map((r: { cells: unknown[] }) => r.cells)).toEqual([
      ['db', 'Headless', null, expect.stringMatching(AGE)],
      ['web', 'ClusterSetIP', '["10.96.0.10"]', expect.stringMatching(AGE)],
    ]);
    const crds = await getTable(api.url, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
    expect(crds.body.columnDefinitions.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual(['Name:string', 'Created At:date']);
    expect(crds.body.rows.map((r: { cells: string[] }) => r.cells[0])).toEqual(['clusterproperties.about.k8s.io', 'serviceexports.multicluster.x-k8s.io', 'serviceimports.multicluster.x-k8s.io']);
    expect(crds.body.rows[0].cells[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('includeObject=Object carries the object, None leaves it out, anything else is a 400; no acceptable type is a 406', async () => {
    const whole = await getTable(api.url, '/api/v1/namespaces/default/services/web?includeObject=Object');
    expect(whole.body.rows[0].object).toMatchObject({ kind: 'Service', apiVersion: 'v1', spec: { type: 'ClusterIP' } });
    const none = await getTable(api.url, '/api/v1/namespaces/default/services/web?includeObject=None');
    expect(none.body.rows[0].object).toBeUndefined();
    expect((await getTable(api.url, '/api/v1/namespaces/default/services?includeObject=All')).status).toBe(400);
    const plain = await getTable(api.url, '/api/v1/namespaces/default/services/web', 'application/json');
    expect(plain.body.kind).toBe('Service');
    const refused = await getTable(api.url, '/api/v1/namespaces/default/services', 'application/json;as=Table;v=v2;g=meta.k8s.io');
    expect(refused).toMatchObject({ status: 406, body: { reason: 'NotAcceptable' } });
  });
});

describe('ages as the apiserver words them', () => {
  it.each([
    [0, '0s'],
    [-1500, '0s'],
    [-3000, '<invalid>'],
    [59_000, '59s'],
    [119_000, '119s'],
    [150_000, '2m30s'],
    [600_000, '10m'],
    [3 * 3600_000 + 30 * 60_000, '3h30m'],
    [10 * 3600_000, '10h'],
    [3 * 86400_000 + 5 * 3600_000, '3d5h'],
    [30 * 86400_000, '30d'],
    [3 * 365 * 86400_000 + 10 * 86400_000, '3y10d'],
  ])('%i ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
