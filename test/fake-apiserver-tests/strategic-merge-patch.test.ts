// Strategic merge patch as the API server applies it to built-in kinds: a table of patches (what
// kubectl's three-way patches contain) against current objects, with the expected result; then
// the same through HTTP, where custom resources refuse it (415) and Strict reports unknown fields.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { builtinSchemas } from '../fake-apiserver/schema/builtin-schemas.js';
import { StrategicMergePatcher } from '../fake-apiserver/strategic-merge-patch.js';
import { call } from './http-client.js';

type Obj = Record<string, unknown>;

const SERVICE: Obj = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 's', labels: { a: '1', b: '2' }, finalizers: ['x', 'y'] },
  spec: {
    selector: { app: 'web', tier: 'front' },
    externalIPs: ['1.1.1.1', '2.2.2.2'],
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
    ],
  },
};

const DEPLOYMENT: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec: {
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'web:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 8080 }] },
          { name: 'sidecar', image: 'side:1' },
        ],
      },
    },
  },
};

interface Case {
  readonly name: string;
  readonly current: Obj;
  readonly patch: Obj;
  readonly expect: (result: any) => void;
}

const CASES: readonly Case[] = [
  {
    name: 'maps merge and null deletes a key',
    current: SERVICE,
    patch: { metadata: { labels: { a: null, c: '3' } }, spec: { selector: { tier: null } } },
    expect: (r) => {
      expect(r.metadata.labels).toEqual({ b: '2', c: '3' });
      expect(r.spec.selector).toEqual({ app: 'web' });
    },
  },
  {
    name: 'service ports merge by port: a changed field, the others kept',
    current: SERVICE,
    patch: { spec: { ports: [{ port: 443, targetPort: 9443 }] } },
    expect: (r) => expect(r.spec.ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 9443 },
    ]),
  },
  {
    name: 'a new port is appended; $setElementOrder puts it first',
    current: SERVICE,
    patch: { spec: { '$setElementOrder/ports': [{ port: 8000 }, { port: 80 }, { port: 443 }], ports: [{ name: 'alt', port: 8000 }] } },
    expect: (r) => expect(r.spec.ports.map((p: { port: number }) => p.port)).toEqual([8000, 80, 443]),
  },
  {
    name: '$patch: delete removes the list item with that merge key',
    current: SERVICE,
    patch: { spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ $patch: 'delete', port: 443 }] } },
    expect: (r) => expect(r.spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]),
  },
  {
    name: 'a list without a patch strategy (externalIPs) is replaced whole',
    current: SERVICE,
    patch: { spec: { externalIPs: ['3.3.3.3'] } },
    expect: (r) => expect(r.spec.externalIPs).toEqual(['3.3.3.3']),
  },
  {
    name: 'a merging list of scalars (finalizers) is a union, new items first; $deleteFromPrimitiveList removes',
    current: SERVICE,
    patch: { metadata: { finalizers: ['z'], '$deleteFromPrimitiveList/finalizers': ['x'] } },
    expect: (r) => expect(r.metadata.finalizers).toEqual(['z', 'y']),
  },
  {
    name: '$patch: replace on a map replaces it',
    current: SERVICE,
    patch: { spec: { selector: { $patch: 'replace', app: 'api' } } },
    expect: (r) => expect(r.spec.selector).toEqual({ app: 'api' }),
  },
  {
    name: 'containers merge by name, and their env by name',
    current: DEPLOYMENT,
    patch: { spec: { template: { spec: { containers: [{ name: 'web', image: 'web:2', env: [{ name: 'B', value: '3' }] }] } } } },
    expect: (r) => {
      const [web, side] = r.spec.template.spec.containers;
      expect(web).toEqual({ name: 'web', image: 'web:2', env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }], ports: [{ containerPort: 8080 }] });
      expect(side).toEqual({ name: 'sidecar', image: 'side:1' });
    },
  },
  {
    name: '$retainKeys drops what the strategy no longer names (RollingUpdate to Recreate)',
    current: DEPLOYMENT,
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    expect: (r) => expect(r.spec.strategy).toEqual({ type: 'Recreate' }),
  },
  {
    name: 'a new subtree comes in with its directives resolved',
    current: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} },
    patch: { spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ port: 80, name: null }], selector: { app: 'web', gone: null } } },
    expect: (r) => expect(r.spec).toEqual({ ports: [{ port: 80 }], selector: { app: 'web' } }),
  },
];

describe('strategic merge patch', () => {
  const schemas = builtinSchemas();
  const patcher = new StrategicMergePatcher(schemas.resolve);

  it.each(CASES)('$name', (c) => {
    const kind = String(c.current.kind);
    const group = kind === 'Deployment' ? 'apps' : '';
    const root = schemas.kindSchema(group, 'v1', kind);
    if (root === undefined) throw new Error(`no schema for ${kind}`);
    const patch = JSON.parse(JSON.stringify(c.patch)) as Obj;
    const before = JSON.stringify(c.current);
    c.expect(patcher.apply(c.current, patch, root));
    expect(JSON.stringify(c.current)).toBe(before);
  });

  it('a list item without its merge key is a 400', () => {
    const root = schemas.kindSchema('', 'v1', 'Service');
    if (root === undefined) throw new Error('no Service schema');
    expect(() => patcher.apply(SERVICE, { spec: { ports: [{ name: 'x' }] } }, root)).toThrow(/does not contain declared merge key: port/);
  });
});

describe('strategic merge patch over HTTP', () => {
  let api: FakeApiServer;
  beforeAll(async () => {
    api = await startFakeApiServer();
  });
  afterAll(async () => {
    await api.close();
  });

  it('patches a Service by its ports merge key and keeps the allocated ClusterIP', async () => {
    const created = await call(api.url, 'POST', '/api/v1/namespaces/default/services', SERVICE);
    expect(created.status).toBe(201);
    const res = await call(api.url, 'PATCH', '/api/v1/namespaces/default/services/s', { spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ $patch: 'delete', port: 443 }] } }, 'application/strategic-merge-patch+json');
    expect(res.status).toBe(200);
    expect(res.body.spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    expect(res.body.spec.clusterIP).toBe(created.body.spec.clusterIP);
  });

  it('refuses unknown fields under Strict, naming the field "patch"', async () => {
    const res = await call(api.url, 'PATCH', '/api/v1/namespaces/default/services/s?fieldValidation=Strict', { spec: { bogus: 1 } }, 'application/strategic-merge-patch+json');
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(' "" is invalid: patch: Invalid value: "map[spec:map[bogus:1]]": strict decoding error: unknown field "spec.bogus"');
  });

  it('a custom resource takes no strategic merge patch (415), as on a real cluster', async () => {
    api.create({ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'x', namespace: 'default' }, spec: { type: 'Headless', ports: [] } });
    const res = await call(api.url, 'PATCH', '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/default/serviceimports/x', { metadata: { labels: { a: 'b' } } }, 'application/strategic-merge-patch+json');
    expect(res.status).toBe(415);
    expect(res.body.message).toBe('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json');
  });

  it('a Go type mismatch in a built-in object is a 400 naming the struct field', async () => {
    const res = await call(api.url, 'POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 't' }, spec: { ports: [{ port: '80' }] } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32');
  });
});
