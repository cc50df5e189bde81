// Kubernetes source on loopback: the fake API server in this process, clusterset-dns as a child
// process (so its RSS is its own) reading it through `multicluster { kubeconfig ... }`.
//   BENCH=k8s npm run bench        or   npx tsx bench/k8s-latency.ts [changes=300]
// Per size (1k and 10k ServiceImports, one EndpointSlice of 10 endpoints each): time to first
// sync, then the time from an API write (a ServiceImport's spec.ips) to the changed answer seen
// by a UDP query polled every millisecond, p50/p99, and the server's VmRSS. Targets (issue 3):
// p99 <= 100 ms; RSS below CoreDNS's sizing, (pods + services) * 0.000858 + 49.1 MB.
// BENCH_K8S_REALISTIC=1 gives every object what a real cluster adds (metadata.managedFields and
// the kubectl last-applied-configuration annotation), which the source must not keep.
// Other knobs: BENCH_K8S_SIZES=1000,10000 (sizes), BENCH_K8S_NODE_ARGS (V8 flags for the server),
// BENCH_K8S_MEMORY=1 (the server says where its memory is, bench/memory-probe.ts),
// BENCH_K8S_RELISTS=n (n forced relists after the changes, before RSS is read). RSS drifts up
// over a long run of changes (V8 regrows its young generation): `... k8s-latency.js 3000` shows it.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../test/fake-apiserver/index.js';
import { freePort, stopChild } from './support.js';

const NS = 'bench';
const MCS = 'multicluster.x-k8s.io/v1alpha1';
const ENDPOINTS_PER_SLICE = 10;

function ipOf(i: number, gen: number): string {
  return `10.${100 + (gen % 100)}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/** managedFields and last-applied as `kubectl apply` and the controllers leave them. */
function asApplied(obj: KubeObject): KubeObject {
  if (process.env['BENCH_K8S_REALISTIC'] !== '1') return obj;
  const meta = obj.metadata as Record<string, unknown>;
  const lastApplied = JSON.stringify(obj);
  const fieldsOf = (v: unknown): unknown =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [`f:${k}`, fieldsOf(x)]))
      : {};
  meta['annotations'] = { ...(meta['annotations'] as object | undefined), 'kubectl.kubernetes.io/last-applied-configuration': lastApplied };
  meta['managedFields'] = [
    { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: obj.apiVersion, time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: fieldsOf(obj) },
    { manager: 'mcs-controller', operation: 'Update', apiVersion: obj.apiVersion, time: '2026-01-01T00:00:01Z', fieldsType: 'FieldsV1', fieldsV1: fieldsOf({ metadata: { labels: meta['labels'] ?? {} } }) },
  ];
  return obj;
}

function serviceImport(i: number): KubeObject {
  return asApplied({
    apiVersion: MCS,
    kind: 'ServiceImport',
    metadata: { name: `svc${i}`, namespace: NS },
    spec: { type: 'ClusterSetIP', ips: [ipOf(i, 0)], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  } as KubeObject);
}

function endpointSlice(i: number): KubeObject {
  return asApplied({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `svc${i}-east`,
      namespace: NS,
      labels: { 'multicluster.kubernetes.io/service-name': `svc${i}`, 'multicluster.kubernetes.io/source-cluster': 'east' },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: ENDPOINTS_PER_SLICE }, (_, e) => ({
      addresses: [`10.${Math.floor(i / 250) % 256}.${i % 250}.${e + 1}`],
      hostname: `pod-${e}`,
      conditions: { ready: true },
    })),
  } as KubeObject);
}

/** One UDP client that asks A for a name and returns the sorted addresses (or the rcode). */
class Prober {
  private readonly socket = dgram.createSocket('udp4');
  private id = 0;
  private pending: { id: number; resolve: (v: string) => void } | null = null;

  constructor(readonly port: number) {
    this.socket.on('message', (msg) => {
      const p = dnsPacket.decode(msg);
      if (this.pending === null || p.id !== this.pending.id) return;
      const rcode = (p as { rcode?: string }).rcode ?? 'NOERROR';
      const ips = (p.answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data?: unknown }).data)).sort();
      const done = this.pending;
      this.pending = null;
      done.resolve(rcode === 'NOERROR' ? ips.join(',') : rcode);
    });
  }

  ask(name: string, timeoutMs = 200): Promise<string> {
    this.id = (this.id + 1) & 0xffff;
    const id = this.id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id === id) this.pending = null;
        resolve('TIMEOUT');
      }, timeoutMs);
      this.pending = {
        id,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
      };
      this.socket.send(dnsPacket.encode({ type: 'query', id, questions: [{ name, type: 'A' }] }), this.port, '127.0.0.1');
    });
  }

  /** Polls until the answer is `want`; returns the milliseconds from `since`. */
  async until(name: string, want: string, since: number, maxMs: number): Promise<number> {
    for (;;) {
      const got = await this.ask(name);
      const now = performance.now();
      if (got === want) return now - since;
      if (now - since > maxMs) throw new Error(`${name}: still ${got}, want ${want} after ${maxMs} ms`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** The compiled CLI (its version lookup needs the dist layout): beside a compiled bench, else in dist/. */
function serverCommand(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const cli = import.meta.url.endsWith('.ts') ? join(here, '../dist/src/cli/clusterset-dns.js') : join(here, '../src/cli/clusterset-dns.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  return [cli];
}

/** A /proc/<pid>/status memory field (VmRSS, VmHWM) in MB. */
function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface SizeResult {
  readonly imports: number;
  readonly firstSyncMs: number;
  readonly spawnToAnswerMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly targetRssMb: number;
}

async function runSize(imports: number, changes: number): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-bench-'));
  const api: FakeApiServer = await startFakeApiServer({ namespaces: ['default', NS], bookmarkIntervalMs: 1000, historyWindow: 10_000 });
  let child: ChildProcess | null = null;
  const prober = new Prober(await freePort());
  try {
    for (let i = 0; i < imports; i++) {
      api.create(serviceImport(i));
      api.create(endpointSlice(i));
    }
    const port = prober.port;
    const kubeconfig = api.writeKubeconfig(dir, 'bench');
    writeFileSync(join(dir, 'Corefile'), `clusterset.local:${port} {\n  bind 127.0.0.1\n  multicluster {\n    kubeconfig ${kubeconfig}\n    startup_timeout 60s\n  }\n}\n`);

    const spawnedAt = performance.now();
    // BENCH_K8S_NODE_ARGS="--max-semi-space-size=4" tries V8 flags on the server.
    const nodeArgs = (process.env['BENCH_K8S_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
    // BENCH_K8S_MEMORY=1: the child reports where its memory is (bench/memory-probe.ts) once synced
    // and again before RSS is read.
    const memoryReport = process.env['BENCH_K8S_MEMORY'] === '1';
    if (memoryReport) nodeArgs.push('--import', join(dirname(fileURLToPath(import.meta.url)), 'memory-probe.js'));
    const proc = spawn(process.execPath, [...nodeArgs, ...serverCommand(), '-conf', join(dir, 'Corefile')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let firstSyncMs = NaN;
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.includes('multicluster caches synced')) firstSyncMs = (JSON.parse(line) as { ms: number }).ms;
        if (memoryReport && line.includes('heap left by the first list')) process.stderr.write(`  server: ${line}\n`);
      }
    });
    let probeReports = 0;
    const probe = async (when: string): Promise<void> => {
      if (!memoryReport) return;
      const seen = probeReports;
      const at = statusMb(proc.pid!, 'VmRSS');
      proc.kill('SIGUSR2');
      for (let waited = 0; probeReports === seen && waited < 120_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      process.stderr.write(`  (${when}: VmRSS ${at.toFixed(1)} MB when the probe was asked)\n`);
    };
    proc.stderr!.on('data', (d: Buffer) => {
      if (d.includes('memory-probe ')) probeReports++;
      process.stderr.write(d);
    });
    proc.once('exit', (code) => {
      if (child === proc) process.stderr.write(`clusterset-dns exited early with code ${String(code)}\n`);
    });
    const last = `svc${imports - 1}.${NS}.svc.clusterset.local`;
    const spawnToAnswerMs = await prober.until(last, ipOf(imports - 1, 0), spawnedAt, 120_000);
    // Changes are timed once every cache has synced (the slices may still be arriving after the
    // imports answer), so the figures are those of a running server, not of its start-up.
    for (let waited = 0; Number.isNaN(firstSyncMs); waited += 10) {
      if (waited > 120_000) throw new Error('no "multicluster caches synced" log line');
      await new Promise((r) => setTimeout(r, 10));
    }

    await probe('synced');
    const samples: number[] = [];
    for (let k = 0; k < changes; k++) {
      const i = Math.floor(Math.random() * imports);
      const ip = ipOf(i, k + 1);
      const name = `svc${i}.${NS}.svc.clusterset.local`;
      const t = performance.now();
      api.patch(MCS, 'ServiceImport', NS, `svc${i}`, { spec: { ips: [ip] } });
      samples.push(await prober.until(name, ip, t, 10_000));
    }
    samples.sort((a, b) => a - b);
    // BENCH_K8S_RELISTS=n: n full relists after the changes (history compacted, watches closed: the
    // 410 path; the periodic resync takes the same one), so RSS is read after what a long-running
    // server goes through every resync period.
    const relists = Number(process.env['BENCH_K8S_RELISTS'] ?? 0);
    if (relists > 0) await probe('before the relists');
    for (let r = 0; r < relists; r++) {
      const watchesBefore = api.requests.count('watch', 'endpointslices') + api.requests.count('watch', 'serviceimports');
      // A write nobody watches moves the collection past the informers' resourceVersion, and the
      // compaction then makes that version too old: the re-watch gets 410 and relists.
      api.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `relist-${r}`, namespace: 'default' } } as KubeObject);
      api.faults.compactHistory();
      api.faults.closeWatches();
      for (let waited = 0; api.requests.count('watch', 'endpointslices') + api.requests.count('watch', 'serviceimports') < watchesBefore + 4; waited += 20) {
        if (waited > 120_000) throw new Error('no relist after the history was compacted');
        await new Promise((res) => setTimeout(res, 20));
      }
    }
    if (relists > 0) process.stderr.write(`  (${relists} relists done after the changes)\n`);
    // Let the garbage of the change loop settle, as a long-running server would.
    await new Promise((r) => setTimeout(r, 1000));
    await probe('after the changes');
    const rss = statusMb(proc.pid!, 'VmRSS');
    const peak = statusMb(proc.pid!, 'VmHWM');
    const endpoints = imports * ENDPOINTS_PER_SLICE;
    return {
      imports,
      firstSyncMs,
      spawnToAnswerMs,
      p50: pct(samples, 50),
      p99: pct(samples, 99),
      max: samples[samples.length - 1] ?? NaN,
      rssMb: rss,
      peakRssMb: peak,
      targetRssMb: (endpoints + imports) * 0.000858 + 49.1,
    };
  } finally {
    prober.close();
    const running = child;
    child = null;
    if (running !== null) await stopChild(running);
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const changes = Math.max(200, Number(process.argv[2] ?? 300) || 300);
  console.log(`\n== Kubernetes source: API write -> changed DNS answer (${changes} changes per size), clusterset-dns as a child process ==`);
  const f = (n: number): string => n.toFixed(1).padStart(8);
  const nodeArgs = process.env['BENCH_K8S_NODE_ARGS'] ?? '';
  if (nodeArgs !== '') console.log(`  server node flags: ${nodeArgs}`);
  if (process.env['BENCH_K8S_REALISTIC'] === '1') console.log('  objects carry managedFields and the last-applied annotation');
  console.log('  imports  endpoints  first-sync ms  spawn->answer ms  p50 ms  p99 ms  max ms   RSS MB  peak MB  target MB');
  // BENCH_K8S_SIZES=1000,10000 (the default) picks the sizes.
  const sizes = (process.env['BENCH_K8S_SIZES'] ?? '1000,10000').split(',').map(Number);
  for (const imports of sizes) {
    const r = await runSize(imports, changes);
    console.log(
      `  ${String(r.imports).padStart(7)}  ${String(r.imports * ENDPOINTS_PER_SLICE).padStart(9)}  ${f(r.firstSyncMs).padStart(13)}  ${f(r.spawnToAnswerMs).padStart(16)} ${f(r.p50)}${f(r.p99)}${f(r.max)} ${f(r.rssMb)} ${f(r.peakRssMb)} ${f(r.targetRssMb)}`,
    );
    const verdict = [r.p99 <= 100 ? 'p99 within 100 ms' : 'p99 MISSES 100 ms', r.rssMb <= r.targetRssMb ? 'RSS within target' : 'RSS MISSES target'];
    console.log(`           ${verdict.join('; ')}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
