// Three fake API servers as three member clusters, and reconciler apps pointed at them, for the
// loopback integration tests. Everything it starts is stopped by close().

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { startFakeApiServer, type FakeApiServer, type KubeObject, type MulticlusterVersion } from '../fake-apiserver/index.js';
import { ReconcilerApp } from '../../src/reconciler/app.js';
import { parseConfigObject, type ReconcilerConfig } from '../../src/reconciler/config.js';

export const NS = 'provider-ns';
export const MCS = 'multicluster.x-k8s.io/v1alpha1';

export interface Harness {
  readonly dir: string;
  readonly servers: Record<string, FakeApiServer>;
  readonly kubeconfigs: Record<string, string>;
  config(overrides?: Record<string, unknown>): ReconcilerConfig;
  startApp(overrides?: Record<string, unknown>, logger?: Logger): Promise<ReconcilerApp>;
  close(): Promise<void>;
}

export async function startClusterset(
  names = ['cluster1', 'cluster2', 'cluster3'],
  opts: { namespaces?: string[]; versions?: Record<string, MulticlusterVersion[]> } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'reconciler-'));
  const servers: Record<string, FakeApiServer> = {};
  const kubeconfigs: Record<string, string> = {};
  const apps: ReconcilerApp[] = [];
  for (const name of names) {
    const server = await startFakeApiServer({
      bookmarkIntervalMs: 200,
      namespaces: ['default', 'clusterset-system', ...(opts.namespaces ?? [NS])],
      ...(opts.versions?.[name] !== undefined ? { multiclusterVersions: opts.versions[name] } : {}),
    });
    servers[name] = server;
    kubeconfigs[name] = server.writeKubeconfig(dir, name);
  }
  const config = (overrides: Record<string, unknown> = {}): ReconcilerConfig =>
    parseConfigObject({
      clusters: names.map((id) => ({ id, kubeconfig: kubeconfigs[id] })),
      unreachableGracePeriod: '60s',
      resyncPeriod: '30s',
      leaderElection: { enabled: false },
      listen: { health: '127.0.0.1:0', metrics: '127.0.0.1:0' },
      // Probes every 100 ms and quick convergence: more than a production client's budget.
      apiRateLimit: { qps: 1000, burst: 1000 },
      ...overrides,
    });
  return {
    dir,
    servers,
    kubeconfigs,
    config,
    async startApp(overrides = {}, logger = pino({ level: process.env['RECONCILER_TEST_LOG'] ?? 'silent' })) {
      const app = new ReconcilerApp({ config: config(overrides), logger, registry: new Registry(), probeIntervalMs: 100, requestTimeoutMs: 2_000 });
      apps.push(app);
      await app.start();
      return app;
    },
    async close() {
      await Promise.all(apps.map((a) => a.stop()));
      await Promise.all(Object.values(servers).map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a value other than undefined/false, bounded in time. */
export async function waitFor<T>(what: string, fn: () => T | undefined | false | null, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 100_000; i++) {
    try {
      const v = fn();
      if (v !== undefined && v !== false && v !== null) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
}

export function service(name: string, ports: Array<{ name?: string; port: number; protocol?: string }>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { type: 'ClusterIP', selector: { app: name }, ports: ports.map((p) => ({ protocol: 'TCP', targetPort: 8080, ...p })), ...spec },
  };
}

export function serviceExport(name: string): KubeObject {
  return { apiVersion: MCS, kind: 'ServiceExport', metadata: { name, namespace: NS } };
}

export function podSlice(
  svc: string,
  sliceName: string,
  endpoints: Array<{ ip: string; hostname?: string; ready?: boolean }>,
  port = { name: 'http', port: 8080, protocol: 'TCP' },
): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName,
      namespace: NS,
      labels: { 'kubernetes.io/service-name': svc, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true },
      nodeName: 'node-1',
      ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
    })),
    ports: [port],
  };
}

export function importedSlices(server: FakeApiServer, name: string): KubeObject[] {
  return server
    .list('discovery.k8s.io/v1', 'EndpointSlice', NS)
    .filter((s) => s.metadata.labels?.['multicluster.kubernetes.io/service-name'] === name);
}

export function endpointIps(slices: KubeObject[]): string[] {
  return slices
    .flatMap((s) => (s['endpoints'] as Array<{ addresses: string[] }> | undefined) ?? [])
    .map((e) => e.addresses[0] ?? '')
    .sort();
}
