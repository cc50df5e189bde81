// Provider API outages, as a fleet meets them: the installed clusterset-reconciler and clusterset-dns
// bins (started as users start them) against loopback test API servers, one provider exporting
// BENCH_SERVICES services (two endpoints each) and two consumers (one with hand-made imports). Each
// of BENCH_OUTAGES outages stops the provider's API server until the reconciler has withdrawn its
// endpoints everywhere (past the grace period), then brings it back. Figures: time from the
// outage's end to every endpoint back in every consumer's API and to the DNS answering the last one;
// and, checked all along, that no ServiceImport's spec.ips changed and that the DNS kept answering
// every ClusterSetIP name with its IP.
//   BENCH=reconciler npm run bench          (BENCH_OUTAGES=20, BENCH_SERVICES=100, BENCH_GRACE=2s)

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../test/fake-apiserver/index.js';
import { askA, freePort, stopChild } from './support.js';

const NS = 'bench';
const MCS = 'multicluster.x-k8s.io/v1beta1';
const CLI = resolve(fileURLToPath(import.meta.url), '../../src/cli');

function objects(i: number): KubeObject[] {
  const name = `s${i}`;
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-src`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [1, 2].map((k) => ({ addresses: [`10.1.${Math.floor(i / 125)}.${(i % 125) * 2 + k}`], conditions: { ready: true } })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
    { apiVersion: MCS, kind: 'ServiceExport', metadata: { name, namespace: NS } },
  ];
}

function importedEndpoints(c: FakeApiServer): number {
  return c
    .list('discovery.k8s.io/v1', 'EndpointSlice', NS)
    .filter((s) => s.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] === 'provider')
    .reduce((n, s) => n + ((s['endpoints'] as unknown[] | undefined)?.length ?? 0), 0);
}

function importIps(c: FakeApiServer): Map<string, string> {
  return new Map(c.list(MCS, 'ServiceImport', NS).map((i) => [i.metadata.name ?? '', ((i['spec'] as { ips?: string[] }).ips ?? []).join(',')]));
}


async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function spawnBin(bin: string, args: string[], cwd: string): ChildProcess {
  const child = spawn(process.execPath, [join(CLI, bin), ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  child.stderr?.on('data', () => undefined);
  return child;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function main(): Promise<void> {
  const outages = Number(process.env['BENCH_OUTAGES'] ?? 20);
  const services = Number(process.env['BENCH_SERVICES'] ?? 100);
  const grace = process.env['BENCH_GRACE'] ?? '2s';
  const dir = mkdtempSync(join(tmpdir(), 'reconciler-outages-'));
  const servers = {
    provider: await startFakeApiServer({ namespaces: ['default', 'clusterset-system', NS], multiclusterVersions: ['v1alpha1', 'v1beta1'], historyWindow: 100_000 }),
    consumer1: await startFakeApiServer({ namespaces: ['default', 'clusterset-system', NS], multiclusterVersions: ['v1alpha1', 'v1beta1'], historyWindow: 100_000 }),
    consumer2: await startFakeApiServer({ namespaces: ['default', 'clusterset-system', NS], multiclusterVersions: ['v1alpha1', 'v1beta1'], historyWindow: 100_000 }),
  };
  const { provider, consumer1, consumer2 } = servers;
  const consumers = [consumer1, consumer2];
  for (let i = 0; i < services; i++) for (const o of objects(i)) provider.create(o);
  // Half of consumer1's imports are hand-made, as in the walk-through.
  for (let i = 0; i < services; i += 2) {
    consumer1.create({ apiVersion: MCS, kind: 'ServiceImport', metadata: { name: `s${i}`, namespace: NS }, spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  }
  writeFileSync(
    join(dir, 'reconciler.yaml'),
    stringify({
      clusters: Object.entries(servers).map(([id, s]) => ({ id, kubeconfig: s.writeKubeconfig(dir, id) })),
      unreachableGracePeriod: grace,
      leaderElection: { enabled: true, cluster: 'consumer1' },
      listen: { health: '127.0.0.1:0', metrics: '127.0.0.1:0' },
    }),
  );
  const dnsPort = await freePort();
  writeFileSync(
    join(dir, 'Corefile'),
    `clusterset.local:${dnsPort} {\n  bind 127.0.0.1\n  multicluster {\n    kubeconfig ${consumer1.writeKubeconfig(dir, 'dns')}\n  }\n}\n`,
  );
  const reconciler = spawnBin('clusterset-reconciler.js', ['--config', join(dir, 'reconciler.yaml')], dir);
  const dns = spawnBin('clusterset-dns.js', ['-conf', join(dir, 'Corefile')], dir);
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const total = services * 2;
  try {
    const t0 = Date.now();
    await until('first convergence', () => consumers.every((c) => importedEndpoints(c) === total && [...importIps(c).values()].filter((v) => v !== '').length === services), 300_000);
    const last = `s${services - 1}.${NS}.svc.clusterset.local`;
    await until('DNS answers', async () => ((await askA(sock, dnsPort, last)) ?? []).length > 0, 60_000);
    console.log(`reconciler outages: ${services} services, 2 consumers, grace ${grace}; converged in ${Date.now() - t0} ms`);
    const ipsBefore = consumers.map(importIps);

    // Watches the DNS all along: every ClusterSetIP name must keep answering its IP.
    const expected = new Map([...ipsBefore[0]!].map(([n, v]) => [`${n}.${NS}.svc.clusterset.local`, v]));
    let dnsQueries = 0;
    const dnsWrong: string[] = [];
    let watching = true;
    const watcher = (async () => {
      const names = [...expected.keys()];
      for (let k = 0; watching; k++) {
        const name = names[k % names.length]!;
        const got = await askA(sock, dnsPort, name);
        dnsQueries++;
        if (got === null || got.join(',') !== expected.get(name)) dnsWrong.push(`${name}: ${got === null ? 'no reply' : got.join(',') || 'empty'}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const toObjects: number[] = [];
    const toDns: number[] = [];
    const lastEndpoint = `10-1-${Math.floor((services - 1) / 125)}-${((services - 1) % 125) * 2 + 2}.provider.s${services - 1}.${NS}.svc.clusterset.local`;
    let ipChanges = 0;
    for (let k = 0; k < outages; k++) {
      await provider.stop();
      const down = Date.now();
      await until('endpoints withdrawn', () => consumers.every((c) => importedEndpoints(c) === 0), 120_000);
      const withdrawnAfter = Date.now() - down;
      const afterDnsWithdrawn = await askA(sock, dnsPort, lastEndpoint);
      await provider.restart();
      const up = performance.now();
      await until('endpoints back', () => consumers.every((c) => importedEndpoints(c) === total), 120_000);
      toObjects.push(performance.now() - up);
      await until('DNS endpoint back', async () => ((await askA(sock, dnsPort, lastEndpoint)) ?? []).length > 0, 120_000);
      toDns.push(performance.now() - up);
      const now = consumers.map(importIps);
      for (let c = 0; c < consumers.length; c++) {
        for (const [n, v] of ipsBefore[c]!) if (now[c]!.get(n) !== v) ipChanges++;
      }
      console.log(
        `  outage ${k + 1}: withdrawn ${withdrawnAfter} ms after the API went (DNS then: ${afterDnsWithdrawn === null ? 'no reply' : afterDnsWithdrawn.length === 0 ? 'NXDOMAIN' : 'still answering'}), back in consumers ${toObjects.at(-1)!.toFixed(0)} ms and in DNS ${toDns.at(-1)!.toFixed(0)} ms after it returned`,
      );
    }
    watching = false;
    await watcher;
    const fmt = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `p50 ${pct(s, 50).toFixed(0)} ms  p90 ${pct(s, 90).toFixed(0)} ms  max ${(s.at(-1) ?? NaN).toFixed(0)} ms`;
    };
    console.log(`  outage end -> every endpoint back in both consumers: ${fmt(toObjects)}`);
    console.log(`  outage end -> DNS answers the last endpoint again:   ${fmt(toDns)}`);
    console.log(`  ServiceImport spec.ips changed across ${outages} outages: ${ipChanges} (of ${services * consumers.length} imports)`);
    console.log(`  ClusterSetIP DNS answers checked during the outages: ${dnsQueries}, wrong or missing: ${dnsWrong.length}${dnsWrong.length > 0 ? ` (first: ${dnsWrong[0]})` : ''}`);
  } finally {
    sock.close();
    await stopChild(reconciler);
    await stopChild(dns);
    for (const s of Object.values(servers)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
