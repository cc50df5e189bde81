// Conversion of raw objects into records: tables of good objects (with the record expected) and
// bad ones (with the message expected), for each kind and API version (ClusterProperty: the
// local cluster id).

import { describe, expect, it } from 'vitest';
import { toClusterId, toImportRecord, toNamespaceName, toSliceRecord } from '../../src/sources/convert.js';
import type { ImportRecord, SliceRecord } from '../../src/sources/model.js';

const V1A1 = 'multicluster.x-k8s.io/v1alpha1';
const V1B1 = 'multicluster.x-k8s.io/v1beta1';

function serviceImport(apiVersion: string, body: Record<string, unknown>, name = 'svc1'): unknown {
  return { apiVersion, kind: 'ServiceImport', metadata: { name, namespace: 'ns1' }, ...body };
}

/** `labels: null` leaves metadata.labels out. */
function slice(body: Record<string, unknown>, labels: Record<string, unknown> | null = {
  'multicluster.kubernetes.io/service-name': 'svc1',
  'multicluster.kubernetes.io/source-cluster': 'c1',
}): unknown {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'svc1-abc', namespace: 'ns1', ...(labels === null ? {} : { labels }) },
    addressType: 'IPv4',
    ...body,
  };
}

describe('toImportRecord', () => {
  const good: Array<{ name: string; obj: unknown; record: Omit<ImportRecord, 'namespace' | 'name'> }> = [
    {
      name: 'v1alpha1 ClusterSetIP with a named port',
      obj: serviceImport(V1A1, {
        spec: { type: 'ClusterSetIP', ips: ['10.0.0.1'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      }),
      record: { type: 'ClusterSetIP', ips: ['10.0.0.1'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    },
    {
      name: 'missing type is ClusterSetIP; protocol defaults to TCP; name to ""',
      obj: serviceImport(V1A1, { spec: { ports: [{ port: 53 }, { port: 53, protocol: 'UDP' }] } }),
      record: {
        type: 'ClusterSetIP',
        ips: [],
        ports: [
          { name: '', protocol: 'TCP', port: 53 },
          { name: '', protocol: 'UDP', port: 53 },
        ],
      },
    },
    {
      name: 'no spec at all (a user-written import before the controller fills it)',
      obj: serviceImport(V1A1, {}),
      record: { type: 'ClusterSetIP', ips: [], ports: [] },
    },
    {
      name: 'dual-stack ips, IPv6 canonicalized, SCTP',
      obj: serviceImport(V1A1, {
        spec: { type: 'ClusterSetIP', ips: ['10.0.0.2', 'FD00:0:0::0A'], ports: [{ name: 's', port: 9, protocol: 'SCTP' }] },
      }),
      record: { type: 'ClusterSetIP', ips: ['10.0.0.2', 'fd00::a'], ports: [{ name: 's', protocol: 'SCTP', port: 9 }] },
    },
    {
      name: 'v1alpha1 Headless, ips null, ports null',
      obj: serviceImport(V1A1, { spec: { type: 'Headless', ips: null, ports: null } }),
      record: { type: 'Headless', ips: [], ports: [] },
    },
    {
      name: 'v1beta1 under spec (as mcs-api defines it)',
      obj: serviceImport(V1B1, {
        spec: { type: 'Headless', ports: [{ name: 'tcp', port: 8080 }], ipFamilies: ['IPv4'] },
        status: { clusters: [{ cluster: 'c1' }] },
      }),
      record: { type: 'Headless', ips: [], ports: [{ name: 'tcp', protocol: 'TCP', port: 8080 }] },
    },
    {
      name: 'v1beta1 flattened (type/ports/ips at the top level, no spec)',
      obj: serviceImport(V1B1, { type: 'ClusterSetIP', ips: ['10.9.9.9'], ports: [{ name: 'http', port: 80 }] }),
      record: { type: 'ClusterSetIP', ips: ['10.9.9.9'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    },
    {
      name: 'IPv4-mapped IPv6 ip becomes the IPv4 address',
      obj: serviceImport(V1A1, { spec: { ips: ['::ffff:10.0.0.3'] } }),
      record: { type: 'ClusterSetIP', ips: ['10.0.0.3'], ports: [] },
    },
  ];
  it.each(good)('$name', ({ obj, record }) => {
    const result = toImportRecord(obj);
    expect(result).toEqual({ ok: true, record: { namespace: 'ns1', name: 'svc1', ...record } });
    if (!result.ok) return;
    expect(Object.isFrozen(result.record)).toBe(true);
    expect(Object.isFrozen(result.record.ips)).toBe(true);
    expect(Object.isFrozen(result.record.ports)).toBe(true);
    for (const port of result.record.ports) expect(Object.isFrozen(port)).toBe(true);
  });

  const bad: Array<{ name: string; obj: unknown; error: string }> = [
    { name: 'not an object', obj: 'ServiceImport', error: "object: 'ServiceImport' is not an object" },
    { name: 'a list', obj: [], error: 'object: [] is not an object' },
    { name: 'wrong kind', obj: { apiVersion: V1A1, kind: 'ServiceExport' }, error: "kind: 'ServiceExport' is not ServiceImport" },
    {
      name: 'unsupported version',
      obj: serviceImport('multicluster.x-k8s.io/v1alpha2', {}),
      error: "apiVersion: 'multicluster.x-k8s.io/v1alpha2' is not supported",
    },
    { name: 'no metadata', obj: { apiVersion: V1A1, kind: 'ServiceImport' }, error: 'metadata: missing' },
    {
      name: 'no namespace',
      obj: { apiVersion: V1A1, kind: 'ServiceImport', metadata: { name: 'a' } },
      error: 'metadata.namespace: missing',
    },
    {
      name: 'name not a DNS label',
      obj: serviceImport(V1A1, {}, 'Svc_1'),
      error: "metadata.name: 'Svc_1' is not a DNS label",
    },
    { name: 'bad type', obj: serviceImport(V1A1, { spec: { type: 'NodePort' } }), error: "spec.type: 'NodePort' is not ClusterSetIP or Headless" },
    { name: 'bad ip', obj: serviceImport(V1A1, { spec: { ips: ['10.0.0.1', '10.0.0.x'] } }), error: "spec.ips[1]: '10.0.0.x' is not an IP address" },
    { name: 'ip with prefix', obj: serviceImport(V1A1, { spec: { ips: ['10.0.0.0/8'] } }), error: "spec.ips[0]: '10.0.0.0/8' is not an IP address" },
    { name: 'ip not a string', obj: serviceImport(V1A1, { spec: { ips: [167772161] } }), error: 'spec.ips[0]: 167772161 is not a string' },
    { name: 'three ips', obj: serviceImport(V1A1, { spec: { ips: ['10.0.0.1', '10.0.0.2', 'fd00::1'] } }), error: 'spec.ips: has 3 entries, at most 2' },
    { name: 'ips not a list', obj: serviceImport(V1A1, { spec: { ips: '10.0.0.1' } }), error: "spec.ips: '10.0.0.1' is not a list" },
    { name: 'spec not an object', obj: serviceImport(V1A1, { spec: 'x' }), error: "spec: 'x' is not an object" },
    { name: 'port 0', obj: serviceImport(V1A1, { spec: { ports: [{ port: 0 }] } }), error: 'spec.ports[0].port: 0 is not a port number (1..65535)' },
    { name: 'port 65536', obj: serviceImport(V1A1, { spec: { ports: [{ port: 80 }, { port: 65536 }] } }), error: 'spec.ports[1].port: 65536 is not a port number' },
    { name: 'port as text', obj: serviceImport(V1A1, { spec: { ports: [{ port: '80' }] } }), error: "spec.ports[0].port: '80' is not a port number" },
    { name: 'port fraction', obj: serviceImport(V1A1, { spec: { ports: [{ port: 80.5 }] } }), error: 'spec.ports[0].port: 80.5 is not a port number' },
    { name: 'port missing', obj: serviceImport(V1A1, { spec: { ports: [{ name: 'http' }] } }), error: 'spec.ports[0].port: missing' },
    { name: 'bad protocol', obj: serviceImport(V1A1, { spec: { ports: [{ port: 80, protocol: 'tcp' }] } }), error: "spec.ports[0].protocol: 'tcp' is not one of TCP, UDP, SCTP" },
    { name: 'port entry not an object', obj: serviceImport(V1A1, { spec: { ports: [80] } }), error: 'spec.ports[0]: 80 is not an object' },
    { name: 'port name not a string', obj: serviceImport(V1A1, { spec: { ports: [{ port: 80, name: 8 }] } }), error: 'spec.ports[0].name: 8 is not a string' },
    { name: 'v1beta1 flattened bad ip names the top-level path', obj: serviceImport(V1B1, { ips: ['x'] }), error: "ips[0]: 'x' is not an IP address" },
  ];
  it.each(bad)('$name', ({ obj, error }) => {
    const result = toImportRecord(obj);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain(error);
  });
});

describe('toSliceRecord', () => {
  const base = { namespace: 'ns1', name: 'svc1-abc', serviceName: 'svc1', clusterId: 'c1', addressType: 'IPv4' as const };
  const good: Array<{ name: string; obj: unknown; record: Partial<SliceRecord> }> = [
    {
      name: 'ready absent, true; not-ready false; hostname',
      obj: slice({
        endpoints: [
          { addresses: ['10.1.0.1'] },
          { addresses: ['10.1.0.2'], conditions: { ready: true }, hostname: 'web-0' },
          { addresses: ['10.1.0.3'], conditions: { ready: false, serving: true } },
          { addresses: ['10.1.0.4'], conditions: {} },
          { addresses: ['10.1.0.5'], conditions: { ready: null } },
        ],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      }),
      record: {
        ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
        endpoints: [
          { addresses: ['10.1.0.1'], hostname: null, ready: true },
          { addresses: ['10.1.0.2'], hostname: 'web-0', ready: true },
          { addresses: ['10.1.0.3'], hostname: null, ready: false },
          { addresses: ['10.1.0.4'], hostname: null, ready: true },
          { addresses: ['10.1.0.5'], hostname: null, ready: true },
        ],
      },
    },
    {
      name: 'IPv6 canonicalized, wrong-family address dropped, empty endpoint dropped',
      obj: slice({
        addressType: 'IPv6',
        endpoints: [
          { addresses: ['FD00:0::0001', '10.1.0.9'] },
          { addresses: ['10.1.0.10'] },
          { addresses: [] },
          { addresses: ['fd00::2', 'fd00:0::2'] },
        ],
      }),
      record: {
        addressType: 'IPv6',
        ports: [],
        endpoints: [
          { addresses: ['fd00::1'], hostname: null, ready: true },
          { addresses: ['fd00::2'], hostname: null, ready: true },
        ],
      },
    },
    {
      name: 'no source-cluster label gives ""; a port without `port` is skipped; no endpoints',
      obj: slice(
        { endpoints: null, ports: [{ name: 'all' }, { name: 'dns', port: 53, protocol: 'UDP' }] },
        { 'multicluster.kubernetes.io/service-name': 'svc1' },
      ),
      record: { clusterId: '', ports: [{ name: 'dns', protocol: 'UDP', port: 53 }], endpoints: [] },
    },
    {
      name: 'empty hostname is no hostname',
      obj: slice({ endpoints: [{ addresses: ['10.1.0.1'], hostname: '' }] }),
      record: { ports: [], endpoints: [{ addresses: ['10.1.0.1'], hostname: null, ready: true }] },
    },
  ];
  it.each(good)('$name', ({ obj, record }) => {
    const result = toSliceRecord(obj);
    expect(result).toEqual({ ok: true, record: { ...base, ...record } });
    if (!result.ok) return;
    expect(Object.isFrozen(result.record)).toBe(true);
    expect(Object.isFrozen(result.record.endpoints)).toBe(true);
    for (const ep of result.record.endpoints) {
      expect(Object.isFrozen(ep)).toBe(true);
      expect(Object.isFrozen(ep.addresses)).toBe(true);
    }
  });

  const ignored: Array<{ name: string; obj: unknown; reason: string }> = [
    { name: 'no labels', obj: slice({}, null), reason: 'multicluster.kubernetes.io/service-name' },
    {
      name: 'only the Kubernetes service-name label',
      obj: slice({}, { 'kubernetes.io/service-name': 'svc1' }),
      reason: 'not a multi-cluster EndpointSlice',
    },
    { name: 'FQDN', obj: slice({ addressType: 'FQDN', endpoints: [{ addresses: ['a.example'] }] }), reason: 'FQDN' },
  ];
  it.each(ignored)('ignores: $name', ({ obj, reason }) => {
    const result = toSliceRecord(obj);
    expect(result.ok).toBe(false);
    expect('ignored' in result && result.ignored).toContain(reason);
  });

  const bad: Array<{ name: string; obj: unknown; error: string }> = [
    { name: 'wrong version', obj: { ...(slice({}) as object), apiVersion: 'discovery.k8s.io/v1beta1' }, error: "apiVersion: 'discovery.k8s.io/v1beta1' is not supported" },
    { name: 'no addressType', obj: slice({ addressType: undefined }), error: 'addressType: undefined is not IPv4, IPv6 or FQDN' },
    { name: 'bad addressType', obj: slice({ addressType: 'ipv4' }), error: "addressType: 'ipv4' is not IPv4, IPv6 or FQDN" },
    { name: 'junk address', obj: slice({ endpoints: [{ addresses: ['10.1.0.1'] }, { addresses: ['10.1.0.x'] }] }), error: "endpoints[1].addresses[0]: '10.1.0.x' is not an IP address" },
    { name: 'address with zone', obj: slice({ addressType: 'IPv6', endpoints: [{ addresses: ['fe80::1%eth0'] }] }), error: "endpoints[0].addresses[0]: 'fe80::1%eth0' is not an IP address" },
    { name: 'ready not boolean', obj: slice({ endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: 'yes' } }] }), error: "endpoints[0].conditions.ready: 'yes' is not true or false" },
    { name: 'hostname not a label', obj: slice({ endpoints: [{ addresses: ['10.1.0.1'], hostname: 'web.0' }] }), error: "endpoints[0].hostname: 'web.0' is not a DNS label" },
    { name: 'endpoint not an object', obj: slice({ endpoints: ['10.1.0.1'] }), error: "endpoints[0]: '10.1.0.1' is not an object" },
    { name: 'bad port', obj: slice({ ports: [{ port: 70000 }] }), error: 'ports[0].port: 70000 is not a port number' },
    { name: 'bad port protocol', obj: slice({ ports: [{ port: 80, protocol: 'HTTP' }] }), error: "ports[0].protocol: 'HTTP' is not one of TCP, UDP, SCTP" },
    {
      name: 'service-name label not a DNS label',
      obj: slice({}, { 'multicluster.kubernetes.io/service-name': 'Svc1' }),
      error: "metadata.labels['multicluster.kubernetes.io/service-name']: 'Svc1' is not a DNS label",
    },
    {
      name: 'empty service-name label',
      obj: slice({}, { 'multicluster.kubernetes.io/service-name': '' }),
      error: "metadata.labels['multicluster.kubernetes.io/service-name']: '' is not a DNS label",
    },
    {
      name: 'source-cluster label not a DNS label',
      obj: slice({}, { 'multicluster.kubernetes.io/service-name': 'svc1', 'multicluster.kubernetes.io/source-cluster': 'c_1' }),
      error: "metadata.labels['multicluster.kubernetes.io/source-cluster']: 'c_1' is not a DNS label",
    },
    { name: 'labels not an object', obj: { ...(slice({}) as object), metadata: { name: 'a', namespace: 'ns1', labels: 'x' } }, error: "metadata.labels: 'x' is not an object" },
  ];
  it.each(bad)('rejects: $name', ({ obj, error }) => {
    const result = toSliceRecord(obj);
    expect(result.ok).toBe(false);
    expect('error' in result && result.error).toContain(error);
  });
});

describe('toNamespaceName', () => {
  it.each([
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'provider-ns' } }, { ok: true, record: 'provider-ns' }],
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: {} }, { ok: false, error: 'metadata.name: missing' }],
    [{ apiVersion: 'v1', kind: 'Namespace' }, { ok: false, error: 'metadata.name: missing' }],
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Bad_NS' } }, { ok: false, error: expect.stringContaining("metadata.name: 'Bad_NS' is not a DNS label") }],
    [{ apiVersion: 'v2', kind: 'Namespace', metadata: { name: 'a' } }, { ok: false, error: "apiVersion: 'v2' is not supported (v1)" }],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }, { ok: false, error: "kind: 'Pod' is not Namespace" }],
  ])('%j', (obj, expected) => {
    expect(toNamespaceName(obj)).toEqual(expected);
  });
});

describe('toClusterId', () => {
  const property = (value: unknown, name = 'cluster.clusterset.k8s.io', apiVersion = 'about.k8s.io/v1alpha1'): unknown => ({
    apiVersion,
    kind: 'ClusterProperty',
    metadata: { name },
    spec: { value },
  });
  it.each([
    ['v1alpha1', property('east'), { ok: true, record: 'east' }],
    ['v1beta1', property('east', 'cluster.clusterset.k8s.io', 'about.k8s.io/v1beta1'), { ok: true, record: 'east' }],
    ['a subdomain', property('cluster-1.eu-west'), { ok: true, record: 'cluster-1.eu-west' }],
    ['another property is not read', property('my-set', 'clusterset.k8s.io'), { ok: false, ignored: 'only the ClusterProperty cluster.clusterset.k8s.io is read' }],
    ['upper case', property('East'), { ok: false, error: expect.stringContaining("spec.value: 'East' is not a cluster id (an RFC 1123 subdomain") }],
    ['empty', property(''), { ok: false, error: expect.stringContaining("spec.value: '' is not a cluster id") }],
    ['missing spec', { apiVersion: 'about.k8s.io/v1alpha1', kind: 'ClusterProperty', metadata: { name: 'cluster.clusterset.k8s.io' } }, { ok: false, error: expect.stringContaining("spec.value: '' is not a cluster id") }],
    ['not a string', property(7), { ok: false, error: 'spec.value: 7 is not a string' }],
    ['no name', { apiVersion: 'about.k8s.io/v1alpha1', kind: 'ClusterProperty', spec: { value: 'east' } }, { ok: false, error: 'metadata.name: missing' }],
    ['another group', property('east', 'cluster.clusterset.k8s.io', 'about.example/v1'), { ok: false, error: expect.stringContaining("apiVersion: 'about.example/v1' is not supported") }],
  ])('%s', (_what, obj, expected) => {
    expect(toClusterId(obj)).toEqual(expected);
  });
});
