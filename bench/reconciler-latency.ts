// Reconciler latency on loopback: time from a change in a provider cluster to the changed object in
// the consumer cluster, p50/p99 over sequential changes, at 100 and 1,000 exports.
//   npx tsx bench/reconciler-latency.ts [changes=100]
// Two kinds of change: an endpoint change in an exported Service's EndpointSlice (-> imported
// slice updated in the consumer) and a new ServiceExport (-> imported slice created).

import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ReconcilerApp } from '../src/reconciler/app.js';
import { parseConfigObject } from '../src/reconciler/config.js';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../test/fake-apiserver/index.js';

const NS = 'bench';
const MCS = 'multicluster.x-k8s.io/v1alpha1';

function svc(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } };
}
function slice(name: string, ip: string): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-src`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}
function exp(name: string): KubeObject {
  return { apiVersion: MCS, kind: 'ServiceExport', metadata: { name, namespace: NS } };
}
function importedIp(consumer: FakeApiServer, name: string): string | undefined {
  const s = consumer.find('discovery.k8s.io/v1', 'EndpointSlice', NS, `${name}-provider-ipv4-0`);
  return (s?.['endpoints'] as Array<{ addresses: string[] }> | undefined)?.[0]?.addresses[0];
}
function ip(i: number, gen: number): string {
  return `10.${gen % 250}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(exports: number, changes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reconciler-bench-'));
  const provider = await startFakeApiServer({ namespaces: ['default', NS], bookmarkIntervalMs: 1000, historyWindow: 100_000 });
  const consumer = await startFakeApiServer({ namespaces: ['default', NS], bookmarkIntervalMs: 1000, historyWindow: 100_000 });
  for (let i = 0; i < exports; i++) {
    provider.create(svc(`s${i}`));
    provider.create(slice(`s${i}`, ip(i, 0)));
    provider.create(exp(`s${i}`));
  }
  const config = parseConfigObject({
    clusters: [
      { id: 'provider', kubeconfig: provider.writeKubeconfig(dir, 'provider') },
      { id: 'consumer', kubeconfig: consumer.writeKubeconfig(dir, 'consumer') },
    ],
    leaderElection: { enabled: false },
    listen: { health: '', metrics: '' },
  });
  const app = new ReconcilerApp({ config, logger: pino({ level: 'silent' }), registry: new Registry() });
  const t0 = Date.now();
  await app.start();
  await until(() => importedIp(consumer, `s${exports - 1}`) !== undefined && importedIp(consumer, 's0') !== undefined, 300_000);
  await until(() => consumer.list(MCS, 'ServiceImport', NS).length === exports, 300_000);
  const converge = Date.now() - t0;

  const endpointLat: number[] = [];
  for (let k = 0; k < changes; k++) {
    const i = Math.floor(Math.random() * exports);
    const next = ip(i, k + 1);
    const start = performance.now();
    provider.update(slice(`s${i}`, next));
    await until(() => importedIp(consumer, `s${i}`) === next, 30_000);
    endpointLat.push(performance.now() - start);
  }
  const exportLat: number[] = [];
  for (let k = 0; k < changes; k++) {
    const name = `new${k}`;
    provider.create(svc(name));
    provider.create(slice(name, ip(k, 7)));
    const start = performance.now();
    provider.create(exp(name));
    await until(() => importedIp(consumer, name) !== undefined, 30_000);
    exportLat.push(performance.now() - start);
  }
  await app.stop();
  await provider.close();
  await consumer.close();
  rmSync(dir, { recursive: true, force: true });
  const fmt = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `p50 ${pct(s, 50).toFixed(1)} ms  p99 ${pct(s, 99).toFixed(1)} ms  max ${(s.at(-1) ?? NaN).toFixed(1)} ms  (n=${s.length})`;
  };
  console.log(`exports=${exports}: initial convergence ${converge} ms`);
  console.log(`  endpoint change -> consumer slice: ${fmt(endpointLat)}`);
  console.log(`  new ServiceExport -> consumer slice: ${fmt(exportLat)}`);
}

export async function main(): Promise<void> {
  const changes = Number(process.env['BENCH_CHANGES'] ?? 100);
  const sizes = (process.env['BENCH_EXPORTS'] ?? '100,1000').split(',').map(Number);
  for (const n of sizes) await run(n, changes);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
