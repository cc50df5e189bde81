// Service ClusterIP allocation through HTTP: defaults, single/dual stack, headless, requested IPs,
// immutability, and release on delete.

import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions } from '../fake-apiserver/index.js';
import { call } from './http-client.js';

const SVC = '/api/v1/namespaces/default/services';

describe('fake apiserver Service allocation', () => {
  let api: FakeApiServer | undefined;
  async function start(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    api = await startFakeApiServer(opts);
    return api;
  }
  afterEach(async () => {
    await api?.close();
  });

  const cases: {
    name: string;
    opts: FakeApiServerOptions;
    spec: Record<string, unknown>;
    code: number;
    expect?: (spec: Record<string, any>) => void;
  }[] = [
    {
      name: 'default single-stack IPv4 inside the CIDR, with defaults',
      opts: { serviceCIDR: '10.100.0.0/24' },
      spec: { ports: [{ name: 'http', port: 80 }] },
      code: 201,
      expect: (s) => {
        expect(s.clusterIP).toMatch(/^10\.100\.0\.\d+$/);
        expect(s.clusterIPs).toEqual([s.clusterIP]);
        expect(s).toMatchObject({ type: 'ClusterIP', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'], sessionAffinity: 'None' });
        expect(s.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]);
      },
    },
    {
      name: 'headless stays None',
      opts: {},
      spec: { clusterIP: 'None' },
      code: 201,
      expect: (s) => {
        expect(s.clusterIP).toBe('None');
        expect(s.clusterIPs).toEqual(['None']);
      },
    },
    {
      name: 'RequireDualStack gets one address of each family',
      opts: { serviceCIDR: '10.96.0.0/16', serviceCIDRv6: 'fd00:10:96::/112' },
      spec: { ipFamilyPolicy: 'RequireDualStack' },
      code: 201,
      expect: (s) => {
        expect(s.ipFamilies).toEqual(['IPv4', 'IPv6']);
        expect(s.clusterIPs).toHaveLength(2);
        expect(s.clusterIPs[1]).toMatch(/^fd00:10:96::[0-9a-f]+$/);
      },
    },
    {
      name: 'PreferDualStack with ipFamilies [IPv6] puts IPv6 first',
      opts: { serviceCIDR: '10.96.0.0/16', serviceCIDRv6: 'fd00:10:96::/112' },
      spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'] },
      code: 201,
      expect: (s) => {
        expect(s.ipFamilies).toEqual(['IPv6', 'IPv4']);
        expect(s.clusterIP).toContain(':');
      },
    },
    {
      name: 'PreferDualStack on a single-stack cluster is single-stack',
      opts: {},
      spec: { ipFamilyPolicy: 'PreferDualStack' },
      code: 201,
      expect: (s) => expect(s.clusterIPs).toHaveLength(1),
    },
    { name: 'RequireDualStack on a single-stack cluster is 422', opts: {}, spec: { ipFamilyPolicy: 'RequireDualStack' }, code: 422 },
    { name: 'requested IP outside the range is 422', opts: { serviceCIDR: '10.96.0.0/16' }, spec: { clusterIP: '192.168.0.1' }, code: 422 },
    {
      name: 'requested IP inside the range is honoured',
      opts: { serviceCIDR: '10.96.0.0/16' },
      spec: { clusterIP: '10.96.0.10' },
      code: 201,
      expect: (s) => expect(s.clusterIPs).toEqual(['10.96.0.10']),
    },
    {
      name: 'ExternalName gets no clusterIP',
      opts: {},
      spec: { type: 'ExternalName', externalName: 'example.com' },
      code: 201,
      expect: (s) => expect(s.clusterIP).toBeUndefined(),
    },
  ];
  it.each(cases)('$name', async (c) => {
    const a = await start(c.opts);
    const res = await call(a.url, 'POST', SVC, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: c.spec });
    expect(res.status).toBe(c.code);
    if (c.code !== 201) expect(res.body.reason).toBe('Invalid');
    c.expect?.(res.body.spec);
  });

  it('addresses are unique, a taken one is 422, PUT keeps or refuses to change it, delete releases it', async () => {
    const a = await start({ serviceCIDR: '10.96.0.0/29' });
    const ips = new Set<string>();
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const res = await call(a.url, 'POST', SVC, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: {} });
      expect(res.status).toBe(201);
      ips.add(res.body.spec.clusterIP);
    }
    // A /29 has 6 usable addresses: all different, the range is now full.
    expect(ips.size).toBe(6);
    const full = await call(a.url, 'POST', SVC, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'g' }, spec: {} });
    expect(full.status).toBe(500);
    const aIp = a.get('v1', 'Service', 'default', 'a').spec as { clusterIP: string };
    const taken = await call(a.url, 'POST', SVC, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'h' }, spec: { clusterIP: aIp.clusterIP } });
    expect(taken.status).toBe(422);
    expect(taken.body.message).toMatch(/already allocated/);

    const cur = (await call(a.url, 'GET', `${SVC}/a`)).body;
    const kept = await call(a.url, 'PUT', `${SVC}/a`, { ...cur, spec: { ports: [{ port: 81 }] } });
    expect(kept.status).toBe(200);
    expect(kept.body.spec.clusterIP).toBe(aIp.clusterIP);
    const changed = await call(a.url, 'PUT', `${SVC}/a`, { ...kept.body, spec: { ...kept.body.spec, clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7'] } });
    expect(changed.status).toBe(422);

    await call(a.url, 'DELETE', `${SVC}/a`);
    const reuse = await call(a.url, 'POST', SVC, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'i' }, spec: { clusterIP: aIp.clusterIP } });
    expect(reuse.status).toBe(201);
  });
});
