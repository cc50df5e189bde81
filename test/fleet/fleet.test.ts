// The fleet simulation at CI size: 5 member clusters (each its own test API server on loopback),
// each with ordinary Services of which some are exported by 2 clusters, one reconciler. It must
// converge (every cluster holds every import with spec.ips and one imported slice per exporting
// cluster) and then write nothing, neither on a full pass nor over a resync. No timing is asserted.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { ReconcilerApp } from '../../src/reconciler/app.js';
import { parseConfigObject } from '../../src/reconciler/config.js';
import { waitFor } from '../reconciler/clusterset-harness.js';
import { clusterName, clusterObjects, exporters, MCS_V1BETA1, namespaceOf, type FleetSpec } from './fleet-world.js';

const SPEC: FleetSpec = { clusters: 5, servicesPerCluster: 60, namespaces: 4, exported: 20, endpointsPerSlice: 3 };

let dir: string;
let servers: FakeApiServer[] = [];
let app: ReconcilerApp;

function importsWithIps(s: FakeApiServer): number {
  return s.list(MCS_V1BETA1, 'ServiceImport').filter((i) => ((i['spec'] as { ips?: string[] }).ips ?? []).length > 0).length;
}

function importedSlices(s: FakeApiServer): number {
  return s.list('discovery.k8s.io/v1', 'EndpointSlice').filter((x) => x.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'clusterset-reconciler').length;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-'));
  servers = await Promise.all(
    Array.from({ length: SPEC.clusters }, () => startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'], bookmarkIntervalMs: 500, historyWindow: 10_000 })),
  );
  servers.forEach((s, c) => {
    for (const o of clusterObjects(SPEC, c)) s.create(o);
  });
  const config = parseConfigObject({
    clusters: servers.map((s, c) => ({ id: clusterName(c), kubeconfig: s.writeKubeconfig(dir, clusterName(c)) })),
    resyncPeriod: '2s',
    leaderElection: { enabled: false },
    listen: { health: '127.0.0.1:0', metrics: '127.0.0.1:0' },
  });
  app = new ReconcilerApp({ config, logger: pino({ level: 'silent' }), registry: new Registry() });
  await app.start();
});

afterAll(async () => {
  await app?.stop();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('fleet of 5 clusters', () => {
  it('converges: every cluster holds every import with spec.ips and one imported slice per exporting cluster', async () => {
    await waitFor(
      'every import and slice in every cluster',
      () => servers.every((s) => importsWithIps(s) === SPEC.exported && importedSlices(s) === 2 * SPEC.exported),
      60_000,
    );
    for (const [c, s] of servers.entries()) {
      // Slices from exactly the two exporting clusters of each service.
      for (const j of [0, 7, SPEC.exported - 1]) {
        const sources = s
          .list('discovery.k8s.io/v1', 'EndpointSlice', namespaceOf(SPEC, j))
          .filter((x) => x.metadata.labels?.['multicluster.kubernetes.io/service-name'] === `exp${j}`)
          .map((x) => x.metadata.labels?.['multicluster.kubernetes.io/source-cluster'])
          .sort();
        expect(sources, `cluster ${c}, exp${j}`).toEqual(exporters(SPEC, j).map(clusterName).sort());
      }
      // Unexported Services are never imported.
      expect(s.list(MCS_V1BETA1, 'ServiceImport').every((i) => (i.metadata.name ?? '').startsWith('exp'))).toBe(true);
    }
  });

  it('writes nothing at steady state: a full pass, and two resync periods', async () => {
    await new Promise((r) => setTimeout(r, 500));
    for (const s of servers) s.requests.reset();
    const keys = app.controller.allKeys();
    expect(keys.size).toBe(SPEC.exported);
    let writes = 0;
    for (const key of keys) writes += await app.controller.reconcile(key);
    expect(writes).toBe(0);
    await new Promise((r) => setTimeout(r, 4_500));
    for (const s of servers) expect(s.requests.writes).toEqual([]);
  });
});
