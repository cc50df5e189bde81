// Issue 6's benchmark, on loopback: time from a change in a provider cluster to the changed DNS
// answer of a clusterset-dns that reads the consumer cluster's API (and, on the way, to the
// changed object in the consumer), p50/p99 over sequential changes, at 100 and 1,000 exports.
//   BENCH=reconciler npm run bench      (BENCH_CHANGES=100, BENCH_EXPORTS=100,1000)
// Two kinds of change: an endpoint change in an exported Service's EndpointSlice (-> imported
// slice updated in the consumer -> the new pod's per-endpoint name answers) and a new
// ServiceExport (-> ServiceImport with spec.ips in the consumer -> the service name answers).

import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ReconcilerApp } from '../src/reconciler/app.js';
import { parseConfigObject } from '../src/reconciler/config.js';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../test/fake-apiserver/index.js';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { DnsApp } from '../src/cli/dns-app.js';
import { createOperations } from '../src/ops/create-operations.js';
import { systemClock } from '../src/plugins/setup-context.js';

/** A clusterset-dns in this process, reading the consumer cluster's API. */
async function startDns(dir: string, kubeconfig: string): Promise<{ app: DnsApp; port: number }> {
  const corefilePath = join(dir, 'Corefile');
  const text = `clusterset.local {\n  bind 127.0.0.1\n  multicluster {\n    kubeconfig ${kubeconfig}\n    startup_timeout 60s\n  }\n}\n`;
  writeFileSync(corefilePath, text);
  const logger = pino({ level: 'silent' });
  const metrics = new Registry();
  const ops = createOperations({ logger, registry: metrics, build: { version: 'bench', revision: 'bench' }, processMetrics: false });
  const app = new DnsApp({ corefilePath, dnsPort: 0, runtime: { logger, metrics, clock: systemClock, env: {}, ops } }, text);
  await app.start();
  return { app, port: app.server.addresses()[0]!.port };
}

/** The A records of `name` from 127.0.0.1:port over UDP ([] for NXDOMAIN/NODATA/timeouts). */
function askA(sock: dgram.Socket, port: number, name: string): Promise<string[]> {
  return new Promise((resolve) => {
    const id = Math.floor(Math.random() * 65536);
    const timer = setTimeout(() => done([]), 500);
    const onMessage = (m: Buffer): void => {
      const p = dnsPacket.decode(m);
      if (p.id !== id) return;
      done((p.answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data: unknown }).data)));
    };
    const done = (v: string[]): void => {
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(v);
    };
    sock.on('message', onMessage);
    sock.send(dnsPacket.encode({ type: 'query', id, questions: [{ name, type: 'A' }] }), port, '127.0.0.1');
  });
}

async function untilAnswer(sock: dgram.Socket, port: number, name: string, ok: (a: string[]) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok(await askA(sock, port, name))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${name}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

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
  const dns = await startDns(dir, consumer.writeKubeconfig(dir, 'consumer-dns'));
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const t0 = Date.now();
  await app.start();
  await until(() => importedIp(consumer, `s${exports - 1}`) !== undefined && importedIp(consumer, 's0') !== undefined, 300_000);
  await until(() => consumer.list(MCS, 'ServiceImport', NS).length === exports, 300_000);
  const converge = Date.now() - t0;
  const last = `s${exports - 1}.${NS}.svc.clusterset.local`;
  await untilAnswer(sock, dns.port, last, (a) => a.length > 0, 300_000);
  const convergeDns = Date.now() - t0;

  const endpointLat: number[] = [];
  const endpointDns: number[] = [];
  for (let k = 0; k < changes; k++) {
    const i = Math.floor(Math.random() * exports);
    const next = ip(i, k + 1);
    const start = performance.now();
    provider.update(slice(`s${i}`, next));
    await until(() => importedIp(consumer, `s${i}`) === next, 30_000);
    endpointLat.push(performance.now() - start);
    await untilAnswer(sock, dns.port, `${next.replace(/\./g, '-')}.provider.s${i}.${NS}.svc.clusterset.local`, (a) => a[0] === next, 30_000);
    endpointDns.push(performance.now() - start);
  }
  const exportLat: number[] = [];
  const exportDns: number[] = [];
  for (let k = 0; k < changes; k++) {
    const name = `new${k}`;
    provider.create(svc(name));
    provider.create(slice(name, ip(k, 7)));
    const start = performance.now();
    provider.create(exp(name));
    await until(() => importedIp(consumer, name) !== undefined, 30_000);
    exportLat.push(performance.now() - start);
    await untilAnswer(sock, dns.port, `${name}.${NS}.svc.clusterset.local`, (a) => a.length > 0, 30_000);
    exportDns.push(performance.now() - start);
  }
  sock.close();
  await dns.app.shutdown();
  await app.stop();
  await provider.close();
  await consumer.close();
  rmSync(dir, { recursive: true, force: true });
  const fmt = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `p50 ${pct(s, 50).toFixed(1)} ms  p99 ${pct(s, 99).toFixed(1)} ms  max ${(s.at(-1) ?? NaN).toFixed(1)} ms  (n=${s.length})`;
  };
  console.log(`exports=${exports}: initial convergence ${converge} ms (objects), ${convergeDns} ms (DNS answers)`);
  console.log(`  endpoint change -> consumer slice:       ${fmt(endpointLat)}`);
  console.log(`  endpoint change -> DNS answer:           ${fmt(endpointDns)}`);
  console.log(`  new ServiceExport -> consumer slice:     ${fmt(exportLat)}`);
  console.log(`  new ServiceExport -> DNS answer:         ${fmt(exportDns)}`);
}

export async function main(): Promise<void> {
  const changes = Number(process.env['BENCH_CHANGES'] ?? 100);
  const sizes = (process.env['BENCH_EXPORTS'] ?? '100,1000').split(',').map(Number);
  for (const n of sizes) await run(n, changes);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
