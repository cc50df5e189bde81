// End to end: fake API server -> a real Corefile `multicluster { kubeconfig ... }` -> queries
// through the real handler (and dig over real sockets): creates, updates and deletes of
// ServiceImports, EndpointSlices and Namespaces are followed; equivalent updates publish nothing;
// bad objects are skipped and logged; discovery picks v1beta1 when served.

import { afterEach, describe, expect, it } from 'vitest';
import { dig } from '../support/dig.js';
import type { Harness } from '../support/harness.js';
import type { MulticlusterVersion } from '../fake-apiserver/index.js';
import { answers, eventually, follows, logSink, MCS, multiclusterPlugin, namespace, serviceImport, slice, TestCluster } from './fixtures.js';

const Z = 'clusterset.local';
const cluster = new TestCluster();

afterEach(async () => {
  await cluster.close();
});

async function serial(h: Harness): Promise<number> {
  const r = await h.ask(`${Z}.`, 'SOA');
  return Number(r.answer[0]?.split(' ')[6]);
}

async function syncedHarness(options: readonly string[] = [], logger = logSink().logger): Promise<Harness> {
  const h = cluster.harness(options, logger);
  await h.start();
  expect(multiclusterPlugin(h).ready()).toBe(true);
  return h;
}

describe('Kubernetes source: answers follow the API', () => {
  it('follows creates, updates and deletes of imports, slices and namespaces', async () => {
    const api = await cluster.startApi();
    api.create(namespace('provider-ns'));
    api.create(serviceImport('provider-ns', 'service1', { type: 'ClusterSetIP', ips: ['10.0.0.1'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    const h = await syncedHarness();
    const svc1 = `service1.provider-ns.svc.${Z}`;
    const db = `db.provider-ns.svc.${Z}`;
    expect(await answers(h, svc1)).toBe('NOERROR A 10.0.0.1');

    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'service1', { spec: { ips: ['10.0.0.2'] } });
    await follows(h, svc1, 'NOERROR A 10.0.0.2');

    api.create(serviceImport('provider-ns', 'db', { type: 'Headless', ports: [{ name: 'pg', port: 5432 }] }));
    await follows(h, db, 'NXDOMAIN'); // headless without ready endpoints
    api.create(slice('provider-ns', 'db-east', 'db', 'east', [{ ip: '10.1.0.1', hostname: 'db-0' }, { ip: '10.1.0.2', ready: false }]));
    await follows(h, db, 'NOERROR A 10.1.0.1');
    api.create(slice('provider-ns', 'db-west', 'db', 'west', [{ ip: '10.2.0.1' }]));
    await follows(h, db, 'NOERROR A 10.1.0.1, A 10.2.0.1');
    await follows(h, `db-0.east.db.provider-ns.svc.${Z}`, 'NOERROR A 10.1.0.1');

    api.update(slice('provider-ns', 'db-east', 'db', 'east', [{ ip: '10.1.0.1', hostname: 'db-0' }, { ip: '10.1.0.2' }]));
    await follows(h, db, 'NOERROR A 10.1.0.1, A 10.1.0.2, A 10.2.0.1');
    api.delete('discovery.k8s.io/v1', 'EndpointSlice', 'provider-ns', 'db-west');
    await follows(h, db, 'NOERROR A 10.1.0.1, A 10.1.0.2');

    api.delete(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'service1');
    await follows(h, svc1, 'NXDOMAIN');

    api.create(namespace('other-ns'));
    api.create(serviceImport('other-ns', 'web', { ips: ['10.0.9.9'] }));
    await follows(h, `web.other-ns.svc.${Z}`, 'NOERROR A 10.0.9.9');
    api.delete('v1', 'Namespace', undefined, 'other-ns'); // the fake deletes what the namespace holds as well
    await follows(h, `web.other-ns.svc.${Z}`, 'NXDOMAIN');
    expect(await answers(h, db)).toBe('NOERROR A 10.1.0.1, A 10.1.0.2');
  });

  it('answers dig over real sockets, before and after a change', async () => {
    const api = await cluster.startApi();
    api.create(namespace('provider-ns'));
    api.create(serviceImport('provider-ns', 'service1', { ips: ['10.0.0.1'], ports: [{ name: 'http', port: 80 }] }));
    const h = await syncedHarness();
    const port = await h.serve();
    const q = [`service1.provider-ns.svc.${Z}`, 'A', '+norecurse'];
    let r = await dig(port, q);
    expect([r.status, r.flags.includes('aa'), r.answer]).toEqual(['NOERROR', true, [`service1.provider-ns.svc.${Z}. 5 IN A 10.0.0.1`]]);
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'service1', { spec: { ips: ['10.0.0.7'] } });
    r = await eventually(() => dig(port, q), (x) => x.answer.join() === `service1.provider-ns.svc.${Z}. 5 IN A 10.0.0.7`, 'dig sees the new IP');
    expect(r.status).toBe('NOERROR');
    expect((await dig(port, [`nope.provider-ns.svc.${Z}`, 'A'])).status).toBe('NXDOMAIN');
  });

  it('publishes nothing for an update with equivalent data (the SOA serial moves only on real change)', async () => {
    const api = await cluster.startApi();
    api.create(namespace('provider-ns'));
    api.create(serviceImport('provider-ns', 'a', { ips: ['10.0.0.1'] }));
    api.create(serviceImport('provider-ns', 'b', { ips: ['10.0.0.2'] }));
    const h = await syncedHarness();
    const before = await serial(h);
    // Same data, new resourceVersion: an annotation, and the ports written in another but equal way.
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'a', { metadata: { annotations: { touched: 'yes' } } });
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'a', { spec: { type: 'ClusterSetIP' } });
    api.create(slice('provider-ns', 'plain', null, '', [{ ip: '10.9.9.9' }])); // not ours: never arrives
    // Then one real change on the same stream: when it is served, the earlier events were seen.
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'b', { spec: { ips: ['10.0.0.3'] } });
    await follows(h, `b.provider-ns.svc.${Z}`, 'NOERROR A 10.0.0.3');
    expect(await serial(h)).toBe(before + 1);
  });

  it('skips bad objects with a log line naming them; an update that turns bad removes the record', async () => {
    const api = await cluster.startApi();
    // A cluster whose ServiceImport CRD validates nothing (another MCS implementation's): bad
    // objects reach the server, which must skip them.
    const crd = api.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'serviceimports.multicluster.x-k8s.io');
    for (const v of (crd['spec'] as { versions: Array<Record<string, unknown>> }).versions) {
      v['schema'] = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
    }
    api.update(crd);
    api.create(namespace('provider-ns'));
    api.create(serviceImport('provider-ns', 'good', { ips: ['10.0.0.1'] }));
    api.create(serviceImport('provider-ns', 'bogus', { type: 'Bogus', ips: ['10.0.0.2'] }));
    api.create(serviceImport('provider-ns', 'headless', { type: 'Headless' }));
    api.create(slice('provider-ns', 'bad-slice', 'headless', 'east', [{ ip: 'not-an-ip' }]));
    api.create(slice('provider-ns', 'good-slice', 'headless', 'west', [{ ip: '10.3.0.1' }]));
    const sink = logSink('warn');
    const h = await syncedHarness([], sink.logger);
    expect(await answers(h, `good.provider-ns.svc.${Z}`)).toBe('NOERROR A 10.0.0.1');
    expect(await answers(h, `bogus.provider-ns.svc.${Z}`)).toBe('NXDOMAIN');
    expect(await answers(h, `headless.provider-ns.svc.${Z}`)).toBe('NOERROR A 10.3.0.1');
    const skipped = () => sink.lines.filter((l) => String(l['msg']).includes('skipped')).map((l) => `${String(l['kind'])} ${String(l['namespace'])}/${String(l['name'])}`);
    expect(skipped().sort()).toEqual(['EndpointSlice provider-ns/bad-slice', 'ServiceImport provider-ns/bogus']);
    expect(sink.lines.find((l) => l['name'] === 'bogus')?.['reason']).toMatch(/spec\.type/);

    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'good', { spec: { ips: ['not-an-ip'] } });
    await follows(h, `good.provider-ns.svc.${Z}`, 'NXDOMAIN');
    expect(skipped()).toContain('ServiceImport provider-ns/good');
    api.patch(`${MCS}/v1alpha1`, 'ServiceImport', 'provider-ns', 'good', { spec: { ips: ['10.0.0.5'] } });
    await follows(h, `good.provider-ns.svc.${Z}`, 'NOERROR A 10.0.0.5');
  });

  it('asks for MCS EndpointSlices only (server-side label selector): ordinary slices never arrive', async () => {
    const api = await cluster.startApi();
    api.create(namespace('provider-ns'));
    api.create(serviceImport('provider-ns', 'svc', { type: 'Headless' }));
    api.create(slice('provider-ns', 'plain-before', null, '', [{ ip: '10.9.0.1' }]));
    const sink = logSink('debug');
    const h = await syncedHarness([], sink.logger);
    api.create(slice('provider-ns', 'plain-after', null, '', [{ ip: '10.9.0.2' }]));
    api.create(slice('provider-ns', 'mcs', 'svc', 'east', [{ ip: '10.4.0.1' }]));
    await follows(h, `svc.provider-ns.svc.${Z}`, 'NOERROR A 10.4.0.1');
    const sliceRequests = api.requests.all.filter((r) => r.resource === 'endpointslices');
    expect(sliceRequests.length).toBeGreaterThanOrEqual(2); // a list and a watch
    for (const r of sliceRequests) {
      expect(new URL(r.path, 'http://x').searchParams.get('labelSelector')).toBe('multicluster.kubernetes.io/service-name');
    }
    // The converter would log an unlabelled slice as "not served"; it never saw one.
    expect(sink.lines.filter((l) => String(l['name']).startsWith('plain'))).toEqual([]);
  });
});

describe('Kubernetes source: ServiceImport version discovery', () => {
  const cases: { served: MulticlusterVersion[]; watched: string }[] = [
    { served: ['v1alpha1'], watched: 'v1alpha1' },
    { served: ['v1beta1'], watched: 'v1beta1' },
    { served: ['v1alpha1', 'v1beta1'], watched: 'v1beta1' },
  ];
  it.each(cases)('serves $served: watches $watched', async ({ served, watched }) => {
    const api = await cluster.startApi({ multiclusterVersions: served });
    api.create(namespace('provider-ns'));
    api.create(serviceImport('provider-ns', 'service1', { ips: ['10.0.0.1'] }, served[0]));
    const h = await syncedHarness();
    expect(await answers(h, `service1.provider-ns.svc.${Z}`)).toBe('NOERROR A 10.0.0.1');
    const paths = api.requests.all.filter((r) => r.resource === 'serviceimports').map((r) => new URL(r.path, 'http://x').pathname);
    expect(new Set(paths)).toEqual(new Set([`/apis/${MCS}/${watched}/serviceimports`]));
  });
});
