// Writes of the MCS objects are validated against the openAPIV3Schema of the CRDs the repository
// ships, as a real API server validates them: one table of cases over HTTP (status, reason and the
// message naming the field), then unknown fields under each fieldValidation, status/spec
// separation, ratcheting, and the same checks on the direct-call API.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, startFakeApiServer, type FakeApiServer, type KubeObject } from '../fake-apiserver/index.js';

const NS_PATH = '/apis/multicluster.x-k8s.io/v1beta1/namespaces/default';
const SI = `${NS_PATH}/serviceimports`;
const SE = `${NS_PATH}/serviceexports`;
const CP = '/apis/about.k8s.io/v1beta1/clusterproperties';
const NOW = '2025-06-01T10:00:00Z';

interface Answer {
  status: number;
  body: any;
  warnings: string[];
}

async function send(base: string, method: string, path: string, body: unknown, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(base + path, { method, headers: { 'content-type': contentType }, body: JSON.stringify(body) });
  const text = await res.text();
  const warnings = (res.headers.get('warning') ?? '').split(/,\s*(?=299 )/).filter((w) => w !== '');
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), warnings };
}

function si(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name }, spec, ...extra };
}

function condition(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'Ready', status: 'True', reason: 'Imported', message: 'ok', lastTransitionTime: NOW, ...over };
}

const PORTS = [{ name: 'http', port: 80, protocol: 'TCP' }];

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly code: number;
  readonly message?: string;
  readonly causes?: readonly { field: string; reason: string }[];
}

const CASES: readonly Case[] = [
  { name: 'a valid ServiceImport', path: SI, body: si('ok', { type: 'ClusterSetIP', ports: PORTS, ips: ['10.0.0.1'] }), code: 201 },
  {
    name: 'required spec fields',
    path: SI,
    body: si('req', {}),
    code: 422,
    message: 'ServiceImport.multicluster.x-k8s.io "req" is invalid: [spec.ports: Required value, spec.type: Required value]',
    causes: [
      { field: 'spec.ports', reason: 'FieldValueRequired' },
      { field: 'spec.type', reason: 'FieldValueRequired' },
    ],
  },
  {
    name: 'an enum',
    path: SI,
    body: si('enum', { type: 'LoadBalancer', ports: PORTS }),
    code: 422,
    message: 'ServiceImport.multicluster.x-k8s.io "enum" is invalid: spec.type: Unsupported value: "LoadBalancer": supported values: "ClusterSetIP", "Headless"',
    causes: [{ field: 'spec.type', reason: 'FieldValueNotSupported' }],
  },
  {
    name: 'a type inside a list item',
    path: SI,
    body: si('type', { type: 'Headless', ports: [{ port: '80' }] }),
    code: 422,
    message: 'ServiceImport.multicluster.x-k8s.io "type" is invalid: spec.ports[0].port: Invalid value: "string": spec.ports[0].port in body must be of type integer: "string"',
    causes: [{ field: 'spec.ports[0].port', reason: 'FieldValueTypeInvalid' }],
  },
  { name: 'a required field of a list item', path: SI, body: si('item', { type: 'Headless', ports: [{ name: 'http' }] }), code: 422, message: 'ServiceImport.multicluster.x-k8s.io "item" is invalid: spec.ports[0].port: Required value' },
  {
    name: 'maxItems',
    path: SI,
    body: si('many', { type: 'ClusterSetIP', ports: PORTS, ips: ['10.0.0.1', 'fd00::1', '10.0.0.2'] }),
    code: 422,
    message: 'ServiceImport.multicluster.x-k8s.io "many" is invalid: spec.ips: Too many: 3: must have at most 2 items',
    causes: [{ field: 'spec.ips', reason: 'FieldValueTooMany' }],
  },
  { name: 'an object where a list belongs', path: SI, body: si('shape', { type: 'Headless', ports: { port: 80 } }), code: 422, message: 'ServiceImport.multicluster.x-k8s.io "shape" is invalid: spec.ports: Invalid value: "object": spec.ports in body must be of type array: "object"' },
  {
    name: 'a ServiceExport with the wrong value types in its labels map',
    path: SE,
    body: { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'labels' }, spec: { exportedLabels: { tier: 1 } } },
    code: 422,
    message: 'ServiceExport.multicluster.x-k8s.io "labels" is invalid: spec.exportedLabels.tier: Invalid value: "integer": spec.exportedLabels.tier in body must be of type string: "integer"',
  },
  { name: 'a ClusterProperty without its value', path: CP, body: { apiVersion: 'about.k8s.io/v1beta1', kind: 'ClusterProperty', metadata: { name: 'id.k8s.io' }, spec: {} }, code: 422, message: 'ClusterProperty.about.k8s.io "id.k8s.io" is invalid: spec.value: Required value' },
  {
    name: 'a ClusterProperty with an empty value (minLength)',
    path: CP,
    body: { apiVersion: 'about.k8s.io/v1beta1', kind: 'ClusterProperty', metadata: { name: 'cluster.clusterset.k8s.io' }, spec: { value: '' } },
    code: 422,
    message: 'ClusterProperty.about.k8s.io "cluster.clusterset.k8s.io" is invalid: spec.value: Invalid value: "": spec.value in body should be at least 1 chars long',
  },
  { name: 'a valid ClusterProperty', path: CP, body: { apiVersion: 'about.k8s.io/v1beta1', kind: 'ClusterProperty', metadata: { name: 'cluster.clusterset.k8s.io' }, spec: { value: 'cluster1' } }, code: 201 },
];

describe('schema validation of MCS objects', () => {
  let api: FakeApiServer;
  beforeAll(async () => {
    api = await startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'] });
  });
  afterAll(async () => {
    await api.close();
  });

  it.each(CASES)('$name', async (c) => {
    const res = await send(api.url, c.method ?? 'POST', c.path, c.body);
    expect(res.status).toBe(c.code);
    if (c.code === 422) expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
    if (c.message !== undefined) expect(res.body.message).toBe(c.message);
    if (c.causes !== undefined) expect(res.body.details.causes.map((x: { field: string; reason: string }) => ({ field: x.field, reason: x.reason }))).toEqual(c.causes);
  });

  it('status is validated through the status subresource: list-type map keys, patterns, formats, enums', async () => {
    await send(api.url, 'POST', SI, si('st', { type: 'ClusterSetIP', ports: PORTS }));
    const dup = await send(api.url, 'PATCH', `${SI}/st/status`, { status: { clusters: [{ cluster: 'a' }, { cluster: 'b' }, { cluster: 'a' }] } }, 'application/merge-patch+json');
    expect(dup.status).toBe(422);
    expect(dup.body.message).toBe('ServiceImport.multicluster.x-k8s.io "st" is invalid: status.clusters[2]: Duplicate value: map[string]interface {}{"cluster":"a"}');
    const bad = await send(
      api.url,
      'PATCH',
      `${SI}/st/status`,
      { status: { conditions: [condition({ reason: 'not a reason', status: 'Maybe', lastTransitionTime: 'yesterday' })] } },
      'application/merge-patch+json',
    );
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes.map((c: { field: string; reason: string }) => `${c.field} ${c.reason}`).sort()).toEqual([
      'status.conditions[0].lastTransitionTime FieldValueTypeInvalid',
      'status.conditions[0].reason FieldValueInvalid',
      'status.conditions[0].status FieldValueNotSupported',
    ]);
    expect(bad.body.message).toContain("status.conditions[0].reason in body should match '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'");
    expect(bad.body.message).toContain('status.conditions[0].lastTransitionTime in body must be of type date-time: "yesterday"');
    const missing = await send(api.url, 'PATCH', `${SI}/st/status`, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'application/merge-patch+json');
    expect(missing.body.details.causes.map((c: { field: string }) => c.field)).toEqual([
      'status.conditions[0].lastTransitionTime',
      'status.conditions[0].message',
      'status.conditions[0].reason',
    ]);
    const good = await send(api.url, 'PATCH', `${SI}/st/status`, { status: { clusters: [{ cluster: 'a' }], conditions: [condition()] } }, 'application/merge-patch+json');
    expect(good.status).toBe(200);
    expect(good.body.status.conditions).toEqual([condition()]);
  });

  it('spec is not validated (or changed) through the status subresource, nor status through the main resource', async () => {
    const created = await send(api.url, 'POST', SI, si('sep', { type: 'ClusterSetIP', ports: PORTS }, { status: { clusters: [{ cluster: 'x' }, { cluster: 'x' }] } }));
    expect(created.status).toBe(201);
    expect(created.body.status).toBeUndefined();
    const st = await send(api.url, 'PUT', `${SI}/sep/status`, { ...created.body, spec: { type: 'Nope' }, status: { clusters: [{ cluster: 'a' }] } });
    expect(st.status).toBe(200);
    expect(st.body.spec.type).toBe('ClusterSetIP');
  });

  it('unknown fields: pruned with a warning by default, an error under Strict, silent under Ignore', async () => {
    const body = si('unknown-warn', { type: 'Headless', ports: [{ port: 80, color: 'red' }], bogus: true }, { metadata: { name: 'unknown-warn', extra: 1 } });
    const warn = await send(api.url, 'POST', SI, body);
    expect(warn.status).toBe(201);
    expect(warn.warnings).toEqual(['299 - "unknown field \\"metadata.extra\\""', '299 - "unknown field \\"spec.bogus\\""', '299 - "unknown field \\"spec.ports[0].color\\""']);
    expect(warn.body.spec).toEqual({ type: 'Headless', ports: [{ port: 80 }] });
    expect(warn.body.metadata.extra).toBeUndefined();

    const strict = await send(api.url, 'POST', `${SI}?fieldValidation=Strict`, { ...body, metadata: { name: 'unknown-strict' } });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('ServiceImport in version "v1beta1" cannot be handled as a ServiceImport: strict decoding error: unknown field "spec.bogus", unknown field "spec.ports[0].color"');
    expect((await send(api.url, 'GET', `${SI}/unknown-strict`, undefined)).status).toBe(404);

    const ignore = await send(api.url, 'POST', `${SI}?fieldValidation=Ignore`, { ...body, metadata: { name: 'unknown-ignore' } });
    expect(ignore.status).toBe(201);
    expect(ignore.warnings).toEqual([]);

    const patch = await send(api.url, 'PATCH', `${SI}/unknown-warn?fieldValidation=Strict`, { spec: { extra: 1 } }, 'application/merge-patch+json');
    expect(patch.status).toBe(422);
    expect(patch.body.details.causes).toEqual([expect.objectContaining({ field: 'patch', reason: 'FieldValueInvalid' })]);
    expect(patch.body.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec.extra"$/);

    const wrong = await send(api.url, 'POST', `${SI}?fieldValidation=Loose`, body);
    expect(wrong.status).toBe(400);
  });

  it('each served version validates with its own schema; the object is stored at the storage version', async () => {
    const v1a = await send(api.url, 'POST', '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/default/serviceimports', {
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'old' },
      spec: { type: 'Headless' },
    });
    expect(v1a.status).toBe(422);
    expect(v1a.body.message).toBe('ServiceImport.multicluster.x-k8s.io "old" is invalid: spec.ports: Required value');
    const created = await send(api.url, 'POST', '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/default/serviceimports', {
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'old' },
      spec: { type: 'Headless', ports: [] },
    });
    expect(created.body.apiVersion).toBe('multicluster.x-k8s.io/v1alpha1');
    const direct = api.list('multicluster.x-k8s.io/v1beta1', 'ServiceImport', 'default').find((o) => o.metadata.name === 'old');
    expect(direct?.apiVersion).toBe('multicluster.x-k8s.io/v1beta1');
  });

  it('direct calls are validated too', () => {
    const obj = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'direct', namespace: 'default' }, spec });
    expect(() => api.create(obj({ type: 'ClusterSetIP' }))).toThrow(ApiError);
    expect(api.create(obj({ type: 'ClusterSetIP', ports: PORTS })).metadata.uid).toBeDefined();
  });
});

describe('validation ratcheting', () => {
  it('an object that a tightened schema rejects can still be updated where it is valid', async () => {
    const api = await startFakeApiServer({ multiclusterVersions: ['v1beta1'] });
    try {
      api.create({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'r', namespace: 'default' }, spec: { type: 'Headless', ports: [{ port: 80, name: 'a-very-long-port-name' }] } });
      const crd = api.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'serviceimports.multicluster.x-k8s.io') as any;
      crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.ports.items.properties.name.maxLength = 15;
      api.update(crd);
      const relabel = await send(api.url, 'PATCH', `${SI}/r`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
      expect(relabel.status).toBe(200);
      const grow = await send(api.url, 'PATCH', `${SI}/r`, { spec: { ports: [{ port: 80, name: 'a-very-long-port-name' }, { port: 81, name: 'another-long-port-name' }] } }, 'application/merge-patch+json');
      expect(grow.status).toBe(422);
      expect(grow.body.message).toBe('ServiceImport.multicluster.x-k8s.io "r" is invalid: [spec.ports[0].name: Too long: may not be more than 15 bytes, spec.ports[1].name: Too long: may not be more than 15 bytes]');
    } finally {
      await api.close();
    }
  });
});
