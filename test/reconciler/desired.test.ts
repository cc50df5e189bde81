import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/reconciler/desired/aggregate.js';
import { desiredImportedSlices, importedSliceFields } from '../../src/reconciler/desired/endpoint-slices.js';
import { diffOne } from '../../src/reconciler/desired/diff.js';
import { exportCandidate } from '../../src/reconciler/desired/export-validity.js';
import { mergeConditions } from '../../src/reconciler/desired/conditions.js';
import { base32Hex, derivedServiceName, importedSliceName } from '../../src/reconciler/desired/naming.js';
import { planKey, type PlanOptions } from '../../src/reconciler/desired/plan.js';
import { derivedServiceFields } from '../../src/reconciler/desired/derived-service.js';
import type { Condition, EndpointSlice, Service, ServiceExport, ServiceImport } from '../../src/reconciler/objects.js';
import { MemoryWorld, type MemoryCluster } from './memory-world.js';

const NS = 'provider-ns';
const opts: PlanOptions = { naming: { naming: 'hash' }, now: '2026-11-27T00:00:00Z' };

function svcExport(name: string, created = '2026-01-01T00:00:00Z'): ServiceExport {
  return { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceExport', metadata: { name, namespace: NS, creationTimestamp: created } };
}

function service(
  name: string,
  ports: Array<{ name?: string; port: number; protocol?: string }>,
  extra: Partial<NonNullable<Service['spec']>> = {},
): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { type: 'ClusterIP', ports, ...extra } };
}

function sourceSlice(svc: string, sliceName: string, ips: string[], opts2: { hostnames?: boolean; ready?: boolean } = {}): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace: NS, labels: { 'kubernetes.io/service-name': svc, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints: ips.map((ip, i) => ({
      addresses: [ip],
      conditions: { ready: opts2.ready ?? true },
      nodeName: `node-${i}`,
      targetRef: { kind: 'Pod', name: `pod-${i}` },
      ...(opts2.hostnames === true ? { hostname: `web-${i}` } : {}),
    })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function converge(world: MemoryWorld, name: string, maxRounds = 8, planOpts: PlanOptions = { ...opts, naming: world.naming }): number {
  let total = 0;
  for (let round = 0; round < maxRounds; round++) {
    const plan = planKey(world.observe(NS, name), planOpts);
    const n = world.applyAll(plan.writes);
    total += n;
    if (n === 0) return total;
  }
  throw new Error(`did not converge in ${maxRounds} rounds`);
}

function walkThrough(): { world: MemoryWorld; provider: MemoryCluster; consumer: MemoryCluster } {
  const world = new MemoryWorld();
  const provider = world.add('cluster1');
  const consumer = world.add('cluster2');
  provider.namespaces.add(NS);
  consumer.namespaces.add(NS);
  provider.put('services', service('service1', [{ name: 'http', port: 80, protocol: 'TCP' }]));
  provider.put('endpointslices', sourceSlice('service1', 'service1-abc', ['10.0.0.5', '10.0.0.4']));
  provider.put('serviceexports', svcExport('service1'));
  consumer.put('serviceimports', {
    apiVersion: 'multicluster.x-k8s.io/v1alpha1',
    kind: 'ServiceImport',
    metadata: { name: 'service1', namespace: NS },
    spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  return { world, provider, consumer };
}

describe('naming', () => {
  it.each([
    ['', ''],
    ['f', 'co'],
    ['fo', 'cpng'],
    ['foo', 'cpnmu'],
    ['foob', 'cpnmuog'],
    ['fooba', 'cpnmuoj1'],
    ['foobar', 'cpnmuoj1e8'],
  ])('base32hex(%j) = %j (RFC 4648 vectors, lower case, no padding)', (input, want) => {
    expect(base32Hex(Buffer.from(input))).toBe(want);
  });

  it('derives derived-<hash> from namespace/name as the MCS reference controller does', () => {
    const digest = createHash('sha256').update('provider-ns/service1').digest();
    const name = derivedServiceName({ naming: 'hash' }, 'provider-ns', 'service1');
    expect(name).toBe(`derived-${base32Hex(digest).slice(0, 10)}`);
    expect(name).toMatch(/^derived-[0-9a-v]{10}$/);
    expect(derivedServiceName({ naming: 'hash' }, 'other-ns', 'service1')).not.toBe(name);
  });

  it('uses prefix + name, falling back to a hash past 63 characters', () => {
    expect(derivedServiceName({ naming: 'prefix', prefix: 'amcs-' }, NS, 'service1')).toBe('amcs-service1');
    const long = 'x'.repeat(60);
    expect(derivedServiceName({ naming: 'prefix', prefix: 'amcs-' }, NS, long)).toMatch(/^amcs-[0-9a-v]{10}$/);
  });

  it('names slices deterministically', () => {
    expect(importedSliceName('service1', 'cluster1', 'IPv4', 0)).toBe('service1-cluster1-ipv4-0');
    expect(importedSliceName('s'.repeat(200), 'c'.repeat(60), 'IPv6', 2)).toMatch(/^imported-[0-9a-v]{20}-2$/);
  });
});

describe('export validity and aggregation', () => {
  const c = (cluster: string, svc: Service | null, created = '2026-01-01T00:00:00Z') =>
    exportCandidate(cluster, svcExport('s', created), svc);
  const http = { name: 'http', port: 80, protocol: 'TCP' };

  const cases: Array<{
    name: string;
    input: ReturnType<typeof c>[];
    type?: string;
    ports?: string[];
    members?: string[];
    conflicts?: Record<string, string>;
    none?: boolean;
  }> = [
    { name: 'single export', input: [c('a', service('s', [http]))], type: 'ClusterSetIP', ports: ['http/80'], members: ['a'], conflicts: {} },
    {
      name: 'headless',
      input: [c('a', service('s', [http], { clusterIP: 'None' }))],
      type: 'Headless',
      members: ['a'],
      conflicts: {},
    },
    {
      name: 'union of ports',
      input: [c('a', service('s', [http])), c('b', service('s', [http, { name: 'metrics', port: 9090 }]))],
      ports: ['http/80', 'metrics/9090'],
      members: ['a', 'b'],
      conflicts: {},
    },
    {
      name: 'port conflict: same name, other number; oldest wins',
      input: [c('b', service('s', [{ name: 'http', port: 8080 }]), '2026-01-02T00:00:00Z'), c('a', service('s', [http]), '2026-01-01T00:00:00Z')],
      ports: ['http/80'],
      members: ['a', 'b'],
      conflicts: { b: 'PortConflict' },
    },
    {
      name: 'port conflict: same number, other name',
      input: [c('a', service('s', [http])), c('b', service('s', [{ name: 'web', port: 80 }]))],
      ports: ['http/80'],
      conflicts: { b: 'PortConflict' },
    },
    {
      name: 'type conflict: younger headless export is not imported',
      input: [c('a', service('s', [http])), c('b', service('s', [http], { clusterIP: 'None' }), '2026-02-01T00:00:00Z')],
      type: 'ClusterSetIP',
      members: ['a'],
      conflicts: { b: 'TypeConflict' },
    },
    {
      name: 'same age: cluster id breaks the tie',
      input: [c('zeta', service('s', [http], { clusterIP: 'None' })), c('alpha', service('s', [http]))],
      type: 'ClusterSetIP',
      members: ['alpha'],
      conflicts: { zeta: 'TypeConflict' },
    },
    {
      name: 'session affinity conflict',
      input: [c('a', service('s', [http])), c('b', service('s', [http], { sessionAffinity: 'ClientIP' }), '2026-03-01T00:00:00Z')],
      members: ['a', 'b'],
      conflicts: { b: 'SessionAffinityConflict' },
    },
    {
      name: 'session affinity config conflict',
      input: [
        c('a', service('s', [http], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } } })),
        c('b', service('s', [http], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 20 } } }), '2026-03-01T00:00:00Z'),
      ],
      members: ['a', 'b'],
      conflicts: { b: 'SessionAffinityConfigConflict' },
    },
    {
      name: 'invalid exports do not count',
      input: [c('a', null), c('b', service('s', [http], { type: 'ExternalName' }))],
      none: true,
    },
  ];

  it.each(cases)('$name', (tc) => {
    const agg = aggregate(tc.input);
    if (tc.none === true) {
      expect(agg).toBeNull();
      return;
    }
    expect(agg).not.toBeNull();
    if (agg === null) return;
    if (tc.type !== undefined) expect(agg.type).toBe(tc.type);
    if (tc.ports !== undefined) expect(agg.ports.map((p) => `${p.name}/${p.port}`)).toEqual(tc.ports);
    if (tc.members !== undefined) expect(agg.members).toEqual(tc.members);
    if (tc.conflicts !== undefined) {
      expect(Object.fromEntries([...agg.conflicts].map(([k, v]) => [k, v.reasons.join(',')]))).toEqual(tc.conflicts);
    }
  });

  it('types invalid exports', () => {
    // The MCS API's reason names.
    expect(c('a', null).validity).toMatchObject({ valid: false, reason: 'NoService' });
    expect(c('a', service('s', [], { type: 'ExternalName' })).validity).toMatchObject({ valid: false, reason: 'InvalidServiceType' });
  });
});

describe('conditions', () => {
  const old: Condition[] = [
    { type: 'Valid', status: 'True', reason: 'Valid', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' },
    { type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'none', lastTransitionTime: '2026-01-01T00:00:00Z' },
    { type: 'Other', status: 'True', reason: 'X', message: 'kept', lastTransitionTime: '2025-01-01T00:00:00Z' },
  ];
  it('keeps lastTransitionTime unless the status flips, and keeps foreign conditions', () => {
    const merged = mergeConditions(
      old,
      [
        { type: 'Valid', status: 'True', reason: 'Valid', message: 'reworded' },
        { type: 'Conflict', status: 'True', reason: 'PortConflict', message: 'port' },
      ],
      '2026-06-01T00:00:00Z',
    );
    const byType = Object.fromEntries(merged.map((m) => [m.type, m]));
    expect(byType['Valid']).toMatchObject({ message: 'reworded', lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(byType['Conflict']).toMatchObject({ status: 'True', lastTransitionTime: '2026-06-01T00:00:00Z' });
    expect(byType['Other']).toMatchObject({ lastTransitionTime: '2025-01-01T00:00:00Z' });
  });
});

describe('imported slices', () => {
  const owner = { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: 'svc', uid: 'u1', controller: true };
  it('splits at 100 endpoints per slice with deterministic names and labels', () => {
    const ips = Array.from({ length: 250 }, (_, i) => `10.1.${Math.floor(i / 200)}.${i % 200}`);
    const slices = desiredImportedSlices({
      namespace: NS,
      importName: 'svc',
      derivedName: 'derived-x',
      owner,
      sources: [{ clusterId: 'c1', slices: [sourceSlice('svc', 'a', ips.slice(0, 130)), sourceSlice('svc', 'b', ips.slice(130))] }],
    });
    expect(slices.map((s) => [s.metadata?.name, s.endpoints?.length])).toEqual([
      ['svc-c1-ipv4-0', 100],
      ['svc-c1-ipv4-1', 100],
      ['svc-c1-ipv4-2', 50],
    ]);
    expect(slices[0]?.metadata?.labels).toEqual({
      'multicluster.kubernetes.io/service-name': 'svc',
      'multicluster.kubernetes.io/source-cluster': 'c1',
      'endpointslice.kubernetes.io/managed-by': 'clusterset-reconciler',
      'kubernetes.io/service-name': 'derived-x',
    });
    expect(slices[0]?.metadata?.ownerReferences).toEqual([owner]);
    // Node and pod references of the source cluster are not carried over.
    expect(slices[0]?.endpoints?.[0]).toEqual({ addresses: ['10.1.0.0'], conditions: { ready: true } });
  });

  it('headless slices carry hostnames and no kubernetes.io/service-name', () => {
    const [slice] = desiredImportedSlices({
      namespace: NS,
      importName: 'svc',
      derivedName: null,
      owner,
      sources: [{ clusterId: 'c1', slices: [sourceSlice('svc', 'a', ['10.0.0.1'], { hostnames: true })] }],
    });
    expect(slice?.metadata?.labels?.['kubernetes.io/service-name']).toBeUndefined();
    expect(slice?.endpoints?.[0]?.hostname).toBe('web-0');
  });

  it('diff ignores server-populated fields and endpoint order', () => {
    const [desired] = desiredImportedSlices({
      namespace: NS,
      importName: 'svc',
      derivedName: null,
      owner,
      sources: [{ clusterId: 'c1', slices: [sourceSlice('svc', 'a', ['10.0.0.1', '10.0.0.2'])] }],
    });
    if (desired === undefined) throw new Error('no slice');
    const actual: EndpointSlice = structuredClone(desired);
    actual.metadata = { ...actual.metadata, uid: 'x', resourceVersion: '7', managedFields: [{}], labels: { ...actual.metadata?.labels, extra: 'y' } };
    actual.endpoints = [...(actual.endpoints ?? [])].reverse().map((e) => ({ ...e, nodeName: 'n' }));
    expect(diffOne('endpointslices', desired, actual, importedSliceFields)).toEqual([]);
    actual.endpoints = actual.endpoints.slice(1);
    expect(diffOne('endpointslices', desired, actual, importedSliceFields).map((w) => w.op)).toEqual(['update']);
    expect(diffOne('endpointslices', desired, { ...actual, addressType: 'IPv6' }, importedSliceFields).map((w) => w.op)).toEqual([
      'delete',
      'create',
    ]);
  });

  it('derived Service diff ignores allocated IPs and defaulted targetPorts', () => {
    const desired: Service = {
      metadata: { name: 'd', namespace: NS, labels: { 'app.kubernetes.io/managed-by': 'clusterset-reconciler' }, ownerReferences: [owner] },
      spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ipFamilyPolicy: 'PreferDualStack' },
    };
    const actual: Service = structuredClone(desired);
    actual.spec = { ...actual.spec, clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ipFamilyPolicy: 'SingleStack', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }] };
    expect(diffOne('services', desired, actual, derivedServiceFields)).toEqual([]);
  });
});

describe('planKey', () => {
  it('walk-through: fills the hand-made import, creates the derived Service and slices, then writes nothing', () => {
    const { world, provider, consumer } = walkThrough();
    const writes = converge(world, 'service1');
    expect(writes).toBeGreaterThan(0);
    expect(planKey(world.observe(NS, 'service1'), opts).writes.size).toBe(0);

    const derivedName = derivedServiceName({ naming: 'hash' }, NS, 'service1');
    const imp = consumer.get('serviceimports', NS, 'service1') as ServiceImport;
    const derived = consumer.get('services', NS, derivedName) as Service;
    expect(derived.spec?.clusterIPs?.length).toBe(1);
    expect(imp.spec?.ips).toEqual(derived.spec?.clusterIPs);
    expect(imp.metadata?.annotations?.['multicluster.kubernetes.io/derived-service']).toBe(derivedName);
    // Adopted, not taken over: no managed-by label.
    expect(imp.metadata?.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
    expect(imp.status?.clusters).toEqual([{ cluster: 'cluster1' }]);
    expect(imp.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Ready=True/Ready']);
    expect(derived.metadata?.ownerReferences?.[0]?.uid).toBe(imp.metadata?.uid);

    const slices = consumer.list('endpointslices', NS) as EndpointSlice[];
    expect(slices).toHaveLength(1);
    expect(slices[0]?.endpoints?.map((e) => e.addresses[0])).toEqual(['10.0.0.4', '10.0.0.5']);
    expect(slices[0]?.metadata?.labels?.['kubernetes.io/service-name']).toBe(derivedName);

    // The provider (which has the namespace) gets a reconciler-made import too, and export conditions.
    const provImport = provider.get('serviceimports', NS, 'service1') as ServiceImport;
    expect(provImport.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('clusterset-reconciler');
    const exp = provider.get('serviceexports', NS, 'service1') as ServiceExport;
    expect(exp.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`).sort()).toEqual([
      'Conflict=False/NoConflicts',
      'Ready=True/Exported',
      'Valid=True/Valid',
    ]);
  });

  it('each cluster in its own MCS API version: new imports and owner references in that version', () => {
    const { world, provider, consumer } = walkThrough();
    provider.mcsApiVersion = 'v1beta1';
    const third = world.add('cluster3');
    third.namespaces.add(NS);
    converge(world, 'service1');
    expect(planKey(world.observe(NS, 'service1'), opts).writes.size).toBe(0);
    expect(provider.get('serviceimports', NS, 'service1')?.apiVersion).toBe('multicluster.x-k8s.io/v1beta1');
    expect(third.get('serviceimports', NS, 'service1')?.apiVersion).toBe('multicluster.x-k8s.io/v1alpha1');
    // The hand-made import keeps the version it was made in.
    expect(consumer.get('serviceimports', NS, 'service1')?.apiVersion).toBe('multicluster.x-k8s.io/v1alpha1');
    const derivedOwner = (x: MemoryCluster) =>
      (x.list('services', NS).find((o) => o.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'clusterset-reconciler') as Service).metadata
        ?.ownerReferences?.[0]?.apiVersion;
    expect(derivedOwner(provider)).toBe('multicluster.x-k8s.io/v1beta1');
    expect(derivedOwner(third)).toBe('multicluster.x-k8s.io/v1alpha1');
    // Ready in both versions.
    const ready = (provider.get('serviceexports', NS, 'service1') as ServiceExport).status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True', reason: 'Exported' });
  });

  it('withdraws when the last export goes: our import deleted, hand-made import kept with no clusters, its ips and its derived Service', () => {
    const { world, provider, consumer } = walkThrough();
    converge(world, 'service1');
    const ips = (consumer.get('serviceimports', NS, 'service1') as ServiceImport).spec?.ips;
    const derivedName = derivedServiceName({ naming: 'hash' }, NS, 'service1');
    provider.remove('serviceexports', NS, 'service1');
    converge(world, 'service1');
    expect(provider.get('serviceimports', NS, 'service1')).toBeNull();
    expect(provider.get('services', NS, derivedName)).toBeNull();
    const imp = consumer.get('serviceimports', NS, 'service1') as ServiceImport;
    expect(imp.status?.clusters).toEqual([]);
    expect(imp.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(imp.spec?.ips).toEqual(ips);
    expect((consumer.get('services', NS, derivedName) as Service).spec?.clusterIPs).toEqual(ips);
    expect(consumer.list('endpointslices', NS)).toEqual([]);
  });

  it('an invalid export (Service deleted) is withdrawn and marked NoService', () => {
    const { world, provider, consumer } = walkThrough();
    converge(world, 'service1');
    provider.remove('services', NS, 'service1');
    converge(world, 'service1');
    const exp = provider.get('serviceexports', NS, 'service1') as ServiceExport;
    expect(exp.status?.conditions?.find((c) => c.type === 'Valid')).toMatchObject({ status: 'False', reason: 'NoService' });
    expect(consumer.list('endpointslices', NS)).toEqual([]);
  });

  it('unreachable is not gone: stale and withdrawn keep the import, its ips and status.clusters; withdrawn drops only the endpoints', () => {
    const { world, provider, consumer } = walkThrough();
    const third = world.add('cluster3');
    third.namespaces.add(NS);
    converge(world, 'service1');
    const before = (x: MemoryCluster) => structuredClone(x.get('serviceimports', NS, 'service1') as ServiceImport);
    const [consumerImport, thirdImport] = [before(consumer), before(third)];
    provider.state = 'stale';
    expect(planKey(world.observe(NS, 'service1'), opts).writes.size).toBe(0);
    provider.state = 'withdrawn';
    converge(world, 'service1');
    for (const [x, was] of [
      [consumer, consumerImport],
      [third, thirdImport],
    ] as const) {
      const now = x.get('serviceimports', NS, 'service1') as ServiceImport;
      expect(now.spec).toEqual(was.spec);
      expect(now.metadata?.uid).toBe(was.metadata?.uid);
      expect(now.status?.clusters).toEqual([{ cluster: 'cluster1' }]);
      expect(x.list('endpointslices', NS)).toEqual([]);
      expect(x.list('services', NS)).toHaveLength(1);
    }
    provider.state = 'ready';
    converge(world, 'service1');
    expect(consumer.list('endpointslices', NS)).toHaveLength(1);
    expect((consumer.get('serviceimports', NS, 'service1') as ServiceImport).spec?.ips).toEqual(consumerImport.spec?.ips);
    expect((third.get('serviceimports', NS, 'service1') as ServiceImport).spec?.ips).toEqual(thirdImport.spec?.ips);
  });

  it('a cluster whose exports are unknown (never synced) withdraws nothing and keeps its place in status.clusters', () => {
    const { world, provider, consumer } = walkThrough();
    converge(world, 'service1');
    const imp = structuredClone(consumer.get('serviceimports', NS, 'service1') as ServiceImport);
    provider.state = 'unknown';
    converge(world, 'service1');
    const now = consumer.get('serviceimports', NS, 'service1') as ServiceImport;
    expect(now.spec).toEqual(imp.spec);
    expect(now.status?.clusters).toEqual([{ cluster: 'cluster1' }]);
    expect(consumer.list('services', NS)).toHaveLength(1);
  });

  it('spec.ips only ever names an IP a Service holds, through every state of the provider', () => {
    // Walks: converged -> down -> down past the grace -> back -> export deleted -> re-created, for a
    // hand-made import (consumer) and a reconciler-made one (cluster3), checking after every pass.
    const { world, provider, consumer } = walkThrough();
    const third = world.add('cluster3');
    third.namespaces.add(NS);
    const ipsOf = (x: MemoryCluster) => (x.get('serviceimports', NS, 'service1') as ServiceImport | null)?.spec?.ips ?? [];
    const check = () => {
      for (const x of [provider, consumer, third]) {
        const held = new Set(x.list('services', NS).flatMap((o) => (o as Service).spec?.clusterIPs ?? []));
        for (const ip of ipsOf(x)) expect(held.has(ip), `${x.name}: ${ip} held by a Service`).toBe(true);
      }
    };
    const step = () => {
      for (let i = 0; i < 8 && world.applyAll(planKey(world.observe(NS, 'service1'), opts).writes) > 0; i++) check();
      check();
    };
    step();
    const [ipConsumer, ipThird] = [ipsOf(consumer), ipsOf(third)];
    expect(ipConsumer).toHaveLength(1);
    expect(ipThird).toHaveLength(1);
    for (const state of ['stale', 'withdrawn', 'ready'] as const) {
      provider.state = state;
      step();
      expect(ipsOf(consumer)).toEqual(ipConsumer);
      expect(ipsOf(third)).toEqual(ipThird);
    }
    provider.remove('serviceexports', NS, 'service1');
    step();
    expect(ipsOf(consumer)).toEqual(ipConsumer);
    expect(third.get('serviceimports', NS, 'service1')).toBeNull();
    provider.put('serviceexports', svcExport('service1'));
    step();
    // The hand-made import kept its derived Service, so its IP survives the export's deletion.
    expect(ipsOf(consumer)).toEqual(ipConsumer);
    expect(ipsOf(third)).toHaveLength(1);
  });

  it('a derived Service deleted by hand is made again asking for the same IP; spec.ips is empty meanwhile', () => {
    const { world, consumer } = walkThrough();
    converge(world, 'service1');
    const derivedName = derivedServiceName({ naming: 'hash' }, NS, 'service1');
    const ips = (consumer.get('serviceimports', NS, 'service1') as ServiceImport).spec?.ips;
    consumer.remove('services', NS, derivedName);
    const plan = planKey(world.observe(NS, 'service1'), opts);
    const w = plan.writes.get('cluster2') ?? [];
    expect(w.map((x) => `${x.op} ${x.resource}`)).toEqual(['update serviceimports', 'create services']);
    const created = w[1];
    expect(created?.op === 'create' ? (created.object as Service).spec?.clusterIPs : undefined).toEqual(ips);
    converge(world, 'service1');
    expect((consumer.get('serviceimports', NS, 'service1') as ServiceImport).spec?.ips).toEqual(ips);
  });

  it('honours a derived-service annotation on a hand-made import, never overwrites it', () => {
    const world = new MemoryWorld({ naming: 'prefix', prefix: 'amcs-' });
    const provider = world.add('cluster1');
    const consumer = world.add('cluster2');
    for (const x of [provider, consumer]) x.namespaces.add(NS);
    provider.put('services', service('service1', [{ name: 'http', port: 80, protocol: 'TCP' }]));
    provider.put('serviceexports', svcExport('service1'));
    consumer.put('serviceimports', {
      apiVersion: 'multicluster.x-k8s.io/v1beta1',
      kind: 'ServiceImport',
      metadata: { name: 'service1', namespace: NS, annotations: { 'multicluster.kubernetes.io/derived-service': 'my-derived' } },
      spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    converge(world, 'service1');
    const imp = consumer.get('serviceimports', NS, 'service1') as ServiceImport;
    expect(imp.metadata?.annotations?.['multicluster.kubernetes.io/derived-service']).toBe('my-derived');
    expect(imp.spec?.ips).toEqual((consumer.get('services', NS, 'my-derived') as Service).spec?.clusterIPs);
    expect(consumer.get('services', NS, 'amcs-service1')).toBeNull();
    // The provider's own import (ours) follows the configured scheme.
    expect(provider.get('serviceimports', NS, 'service1')?.metadata?.annotations?.['multicluster.kubernetes.io/derived-service']).toBe('amcs-service1');
    expect(planKey(world.observe(NS, 'service1'), { ...opts, naming: { naming: 'prefix', prefix: 'amcs-' } }).writes.size).toBe(0);
  });

  it('a cluster whose ServiceImport CRD prunes status.conditions gets status.clusters only, and then no more writes', () => {
    const { world, consumer } = walkThrough();
    converge(world, 'service1');
    const imp = consumer.get('serviceimports', NS, 'service1') as ServiceImport;
    // What an older CRD leaves after pruning: no conditions.
    consumer.put('serviceimports', { ...imp, status: { clusters: imp.status?.clusters ?? [] } });
    const observed = world.observe(NS, 'service1');
    const pruning = { ...observed, clusters: observed.clusters.map((c) => (c.name === 'cluster2' ? { ...c, importConditions: false } : c)) };
    expect(planKey(pruning, opts).writes.get('cluster2')).toBeUndefined();
    expect(planKey(observed, opts).writes.get('cluster2')?.map((w) => w.op)).toEqual(['updateStatus']);
  });

  it('imported slices carry the newest last-change-trigger-time of their source slices', () => {
    const { world, provider, consumer } = walkThrough();
    const src = provider.get('endpointslices', NS, 'service1-abc') as EndpointSlice;
    provider.put('endpointslices', { ...src, metadata: { ...src.metadata, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-11-27T10:00:00Z' } } });
    provider.put('endpointslices', {
      ...sourceSlice('service1', 'service1-def', ['10.0.0.6']),
      metadata: { ...sourceSlice('service1', 'service1-def', []).metadata, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-11-27T10:00:05Z' } },
    });
    converge(world, 'service1');
    const [slice] = consumer.list('endpointslices', NS) as EndpointSlice[];
    expect(slice?.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toBe('2026-11-27T10:00:05Z');
    expect(planKey(world.observe(NS, 'service1'), opts).writes.size).toBe(0);
  });

  it('headless export from two clusters: slices per source cluster, no derived Service, no ips', () => {
    const world = new MemoryWorld();
    const [a, b, c] = [world.add('a'), world.add('b'), world.add('c')];
    for (const x of [a, b, c]) x.namespaces.add(NS);
    for (const [x, base] of [
      [a, '10.1.0.'],
      [b, '10.2.0.'],
    ] as const) {
      x.put('services', service('db', [{ name: 'pg', port: 5432 }], { clusterIP: 'None' }));
      x.put('endpointslices', sourceSlice('db', 'db-1', [`${base}1`, `${base}2`], { hostnames: true }));
      x.put('serviceexports', svcExport('db'));
    }
    converge(world, 'db');
    const imp = c.get('serviceimports', NS, 'db') as ServiceImport;
    expect(imp.spec?.type).toBe('Headless');
    expect(imp.spec?.ips).toBeUndefined();
    expect(imp.status?.clusters).toEqual([{ cluster: 'a' }, { cluster: 'b' }]);
    expect(c.list('services', NS)).toEqual([]);
    const slices = c.list('endpointslices', NS) as EndpointSlice[];
    expect(slices.map((s) => s.metadata?.labels?.['multicluster.kubernetes.io/source-cluster']).sort()).toEqual(['a', 'b']);
    expect(planKey(world.observe(NS, 'db'), opts).writes.size).toBe(0);
  });

  it('port conflict: the younger export gets Conflict=True and the import keeps the oldest port', () => {
    const world = new MemoryWorld();
    const [a, b] = [world.add('a'), world.add('b')];
    for (const x of [a, b]) x.namespaces.add(NS);
    a.put('services', service('s', [{ name: 'http', port: 80 }]));
    a.put('serviceexports', svcExport('s', '2026-01-01T00:00:00Z'));
    b.put('services', service('s', [{ name: 'http', port: 8080 }]));
    b.put('serviceexports', svcExport('s', '2026-02-01T00:00:00Z'));
    converge(world, 's');
    const cond = (x: MemoryCluster) => (x.get('serviceexports', NS, 's') as ServiceExport).status?.conditions?.find((k) => k.type === 'Conflict');
    expect(cond(a)).toMatchObject({ status: 'False' });
    expect(cond(b)).toMatchObject({ status: 'True', reason: 'PortConflict' });
    expect((b.get('serviceimports', NS, 's') as ServiceImport).spec?.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
  });
});
