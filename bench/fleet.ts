// BENCH=fleet: one reconciler (and a standby) carrying a simulated fleet, all on loopback, the
// programs started as users start them (the installed bins, no extra flags). N member clusters, each
// a test API server that pages its lists and answers 429 past a request rate, hosted by several
// child processes (bench/fleet-host.ts); S ordinary Services per cluster (one slice of 3 endpoints
// each) of which E services in all are exported, each by 2 clusters, and imported everywhere;
// clusterset-dns instances reading 3 consumer clusters. It reports:
//   - initial convergence (every cluster holds every import with spec.ips and its slices) and the
//     API writes it took per cluster;
//   - steady state: writes over a resync period (must be zero) and reconciler CPU per minute at rest;
//   - endpoint change in a provider -> changed DNS answer at a consumer, p50/p99 over BENCH_FLEET_CHANGES
//     changes spread over the fleet while 20 changes a second run elsewhere;
//   - reconciler RSS and heap;
//   - fairness: the same changes while one member answers every request 2 s late;
//   - one member down for BENCH_FLEET_DOWN_S seconds: the others' changes meanwhile;
//   - leader death: SIGKILL the leader while changes flow; when the standby takes the lease and
//     writes, convergence afterwards, and no missing or duplicate objects.
// Sizes: BENCH_FLEET_CLUSTERS (10,50), BENCH_FLEET_SERVICES (5000 per cluster), BENCH_FLEET_EXPORTED
// (1000), BENCH_FLEET_NAMESPACES (100), BENCH_FLEET_HOSTS (5), BENCH_FLEET_API_QPS (per API server,
// 0 = unlimited; default 400), BENCH_FLEET_REST_S (60), BENCH_FLEET_CHANGES (200), BENCH_FLEET_DOWN_S (120).

import { fork, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { clusterName, endpointIp, exportedSerial, exporters, namespaceOf, type FleetSpec } from '../test/fleet/fleet-world.js';
import type { ClusterStatus, HostRequest } from './fleet-host.js';
import { askA, stopChild } from './support.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CLI = resolve(HERE, '../src/cli');

class Host {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;
  constructor() {
    this.child = fork(join(HERE, 'fleet-host.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
  }
  ask<T>(req: HostRequest): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, req });
    });
  }
}

interface Fleet {
  readonly spec: FleetSpec;
  hostOf(c: number): Host;
  status(): Promise<ClusterStatus[]>;
}

function procStat(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: ticks * 10, rssMb: rssKb / 1024 };
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}


async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const fmt = (xs: readonly number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms  p99 ${pct(xs, 99).toFixed(0)} ms  max ${Math.max(...xs).toFixed(0)} ms  (n=${xs.length})`;

/**
 * A port free for both TCP and UDP on 127.0.0.1, below the kernel's ephemeral range: with tens of
 * thousands of loopback connections open, a port picked from that range (as a port-0 bind does)
 * can be taken by an outgoing connection before the program binds it.
 */
async function freePort(): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const tcp = net.createServer();
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((done) => {
      tcp.once('error', () => done(false));
      tcp.listen(port, '127.0.0.1', () => {
        udp.once('error', () => done(false));
        udp.bind(port, '127.0.0.1', () => done(true));
      });
    });
    await new Promise<void>((r) => tcp.close(() => r()));
    await new Promise<void>((r) => {
      try {
        udp.close(() => r());
      } catch {
        r();
      }
    });
    if (ok) return port;
  }
  throw new Error('no free port');
}

/** Starts a bin as users do; its warnings and errors go to a log file kept after the run. */
function spawnBin(bin: string, args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [join(CLI, bin), ...args], { stdio: ['ignore', fd, fd], env: { ...process.env, LOG_LEVEL: 'warn' } });
  closeSync(fd);
  return child;
}

/** Changes of exported services' endpoints, each timed to the changed DNS answer at a consumer. */
class Changes {
  private generation = 1;
  constructor(
    private readonly fleet: Fleet,
    private readonly sock: dgram.Socket,
    private readonly dns: ReadonlyArray<{ cluster: number; port: number }>,
  ) {}

  /** Changes exported service j in one of its exporters (not `avoid`) and waits for a consumer's answer. */
  async timed(j: number, avoid: number | null = null): Promise<number> {
    const spec = this.fleet.spec;
    const [a, b] = exporters(spec, j);
    const c = a === avoid ? b : a;
    const g = ++this.generation;
    const consumer = this.dns[j % this.dns.length] as { cluster: number; port: number };
    const ip = endpointIp(c, exportedSerial(spec, c, j), 0, g);
    const name = `${ip.replace(/\./g, '-')}.${clusterName(c)}.exp${j}.${namespaceOf(spec, j)}.svc.clusterset.local`;
    const start = performance.now();
    await this.fleet.hostOf(c).ask({ op: 'change', cluster: c, exported: j, generation: g });
    await until(`answer for ${name}`, async () => ((await askA(this.sock, consumer.port, name)) ?? []).length > 0, 120_000, 5);
    return performance.now() - start;
  }

  /** 20 changes a second on other services until stopped. */
  background(skip: (j: number) => boolean, avoid: number | null = null): () => Promise<void> {
    let on = true;
    const spec = this.fleet.spec;
    const loop = (async () => {
      for (let k = 0; on; k++) {
        const j = (k * 7919) % spec.exported;
        if (!skip(j)) {
          const [a, b] = exporters(spec, j);
          const c = a === avoid ? b : a;
          await this.fleet.hostOf(c).ask({ op: 'change', cluster: c, exported: j, generation: ++this.generation });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    return async () => {
      on = false;
      await loop;
    };
  }

  /** `count` timed changes spread over the fleet, with 20 changes a second on the other services. */
  async series(count: number, avoid: number | null = null, offset = 0): Promise<number[]> {
    const spec = this.fleet.spec;
    const measured = new Set(Array.from({ length: count }, (_, i) => ((i + offset) * 31) % spec.exported));
    const stop = this.background((j) => measured.has(j), avoid);
    const out: number[] = [];
    try {
      for (const j of measured) out.push(await this.timed(j, avoid));
    } finally {
      await stop();
    }
    return out;
  }
}

async function run(n: number): Promise<void> {
  const spec: FleetSpec = {
    clusters: n,
    servicesPerCluster: Number(process.env['BENCH_FLEET_SERVICES'] ?? 5000),
    namespaces: Number(process.env['BENCH_FLEET_NAMESPACES'] ?? 100),
    exported: Number(process.env['BENCH_FLEET_EXPORTED'] ?? 1000),
    endpointsPerSlice: 3,
  };
  const hostCount = Math.min(n, Number(process.env['BENCH_FLEET_HOSTS'] ?? 5));
  const apiQps = Number(process.env['BENCH_FLEET_API_QPS'] ?? 400);
  const restS = Number(process.env['BENCH_FLEET_REST_S'] ?? 60);
  const changes = Number(process.env['BENCH_FLEET_CHANGES'] ?? 200);
  const downS = Number(process.env['BENCH_FLEET_DOWN_S'] ?? 120);
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  const logs = join(tmpdir(), `fleet-bench-logs-${process.pid}-${n}`);
  mkdirSync(logs, { recursive: true });
  const hosts = Array.from({ length: hostCount }, () => new Host());
  const fleet: Fleet = {
    spec,
    hostOf: (c) => hosts[c % hostCount] as Host,
    status: async () => (await Promise.all(hosts.map((h) => h.ask<ClusterStatus[]>({ op: 'status' })))).flat().sort((a, b) => a.cluster - b.cluster),
  };
  const children: ChildProcess[] = [];
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  console.log(
    `fleet: ${n} clusters x ${spec.servicesPerCluster} Services (${spec.namespaces} namespaces), ${spec.exported} exported by 2 clusters each; API servers page lists and allow ${apiQps || 'unlimited'} requests/s`,
  );
  try {
    const t0 = Date.now();
    const seeded = (
      await Promise.all(
        hosts.map((h, i) =>
          h.ask<ClusterStatus[]>({ op: 'start', spec, dir, qps: apiQps, clusters: Array.from({ length: n }, (_, c) => c).filter((c) => c % hostCount === i) }),
        ),
      )
    )
      .flat()
      .sort((a, b) => a.cluster - b.cluster);
    console.log(`  seeded ${n * spec.servicesPerCluster * 2} objects in ${hostCount} processes in ${Date.now() - t0} ms`);
    const metricsPorts = [await freePort(), await freePort()];
    const configFor = (i: number): string => {
      const file = join(dir, `reconciler-${i}.yaml`);
      writeFileSync(
        file,
        stringify({
          clusters: seeded.map((s) => ({ id: clusterName(s.cluster), kubeconfig: s.kubeconfig })),
          resyncPeriod: '60s',
          leaderElection: { enabled: true, cluster: clusterName(0), identity: `replica-${i}` },
          listen: { health: '', metrics: `127.0.0.1:${metricsPorts[i]}` },
        }),
      );
      return file;
    };
    const dns: Array<{ cluster: number; port: number }> = [];
    for (const c of [0, 1, 2].filter((x) => x < n)) {
      const port = await freePort();
      writeFileSync(join(dir, `Corefile-${c}`), `clusterset.local:${port} {\n  bind 127.0.0.1\n  multicluster {\n    kubeconfig ${seeded[c]?.kubeconfig}\n    startup_timeout 120s\n  }\n}\n`);
      children.push(spawnBin('clusterset-dns.js', ['-conf', join(dir, `Corefile-${c}`)], join(logs, `dns-${c}.log`)));
      dns.push({ cluster: c, port });
    }

    const start = Date.now();
    console.log(`  program logs (warnings and errors) in ${logs}`);
    const leader = spawnBin('clusterset-reconciler.js', ['--config', configFor(0)], join(logs, 'reconciler-0.log'));
    children.push(leader);
    const expectedSlices = 2 * spec.exported;
    let peakRss = 0;
    const rssTimer = setInterval(() => {
      if (leader.exitCode === null && leader.signalCode === null) peakRss = Math.max(peakRss, procStat(leader.pid as number).rssMb);
    }, 500);
    await until(
      'initial convergence',
      async () => (await fleet.status()).every((s) => s.importsWithIps === spec.exported && s.importedSlices === expectedSlices),
      1_800_000,
      500,
    );
    const converged = Date.now() - start;
    const st = await fleet.status();
    const writes = st.map((s) => s.writes);
    const throttled = st.reduce((a, s) => a + s.throttled, 0);
    console.log(
      `  initial convergence: ${(converged / 1000).toFixed(1)} s (${throttled} requests answered 429); API writes per cluster: min ${Math.min(...writes)}, median ${pct(writes, 50)}, max ${Math.max(...writes)} (total ${writes.reduce((a, b) => a + b, 0)})`,
    );
    const standby = spawnBin('clusterset-reconciler.js', ['--config', configFor(1)], join(logs, 'reconciler-1.log'));
    children.push(standby);

    // At rest: writes over a resync period, CPU per minute, memory.
    await new Promise((r) => setTimeout(r, 5_000));
    const before = (await fleet.status()).reduce((a, s) => a + s.writes, 0);
    const cpu0 = procStat(leader.pid as number);
    await new Promise((r) => setTimeout(r, restS * 1000));
    const cpu1 = procStat(leader.pid as number);
    const after = (await fleet.status()).reduce((a, s) => a + s.writes, 0);
    const heapMb = (await metric(metricsPorts[0] as number, 'nodejs_heap_size_used_bytes')) / 2 ** 20;
    console.log(
      `  at rest for ${restS} s (resync every 60 s): ${after - before} API writes (lease renewals not counted); reconciler CPU ${((((cpu1.cpuMs - cpu0.cpuMs) / restS) * 60) / 1000).toFixed(2)} s per minute`,
    );
    console.log(`  reconciler RSS ${cpu1.rssMb.toFixed(0)} MB (peak so far ${peakRss.toFixed(0)} MB), heap used ${heapMb.toFixed(0)} MB`);

    const ch = new Changes(fleet, sock, dns);
    await until('DNS serving', async () => ((await askA(sock, dns[0]!.port, `exp0.${namespaceOf(spec, 0)}.svc.clusterset.local`)) ?? []).length > 0, 120_000);
    const steady = await ch.series(changes);
    console.log(`  endpoint change -> DNS answer (20 changes/s elsewhere): ${fmt(steady)}`);
    console.log(`  reconciler RSS after the changes ${procStat(leader.pid as number).rssMb.toFixed(0)} MB (peak ${peakRss.toFixed(0)} MB)`);

    // Fairness: one member answers everything 2 s late.
    const slow = n - 1;
    await fleet.hostOf(slow).ask({ op: 'latency', cluster: slow, ms: 2_000 });
    const withSlow = await ch.series(Math.min(changes, 100), slow, 1);
    await fleet.hostOf(slow).ask({ op: 'latency', cluster: slow, ms: 0 });
    console.log(`  ... with ${clusterName(slow)} answering 2 s late:        ${fmt(withSlow)}`);

    // One member down.
    const down = n - 2;
    await fleet.hostOf(down).ask({ op: 'stop', cluster: down });
    const downStart = Date.now();
    const whileDown: number[] = [];
    for (let round = 2; Date.now() - downStart < downS * 1000; round++) whileDown.push(...(await ch.series(20, down, round * 20)));
    await fleet.hostOf(down).ask({ op: 'restart', cluster: down });
    console.log(`  ... with ${clusterName(down)} down for ${downS} s:            ${fmt(whileDown)}`);
    await until('back after the outage', async () => (await fleet.status()).every((s) => s.importedSlices === expectedSlices), 600_000, 500);

    // Leader death under load.
    const stopBg = ch.background(() => false);
    await new Promise((r) => setTimeout(r, 2_000));
    leader.kill('SIGKILL');
    const killedAt = Date.now();
    await until('the standby holds the lease', async () => (await fleet.hostOf(0).ask<string>({ op: 'lease', cluster: 0 })) === 'replica-1', 120_000, 50);
    const tookLease = Date.now() - killedAt;
    const writesAtTakeover = (await fleet.status()).reduce((a, s) => a + s.writes, 0);
    await until('the standby writes', async () => (await fleet.status()).reduce((a, s) => a + s.writes, 0) > writesAtTakeover, 120_000, 50);
    const firstWrite = Date.now() - killedAt;
    await stopBg();
    const afterTakeover = await ch.series(Math.min(changes, 50), null, 7);
    await until(
      'convergence after takeover',
      async () => (await fleet.status()).every((s) => s.importsWithIps === spec.exported && s.importedSlices === expectedSlices && s.derivedServices === spec.exported),
      600_000,
      500,
    );
    const final = await fleet.status();
    const bad = final.filter((s) => s.importsWithIps !== spec.exported || s.importedSlices !== expectedSlices || s.derivedServices !== spec.exported).length;
    clearInterval(rssTimer);
    console.log(
      `  leader SIGKILLed under load (lease 15 s): the standby took the lease ${tookLease} ms and wrote ${firstWrite} ms after the kill; clusters with missing or duplicate objects afterwards: ${bad}; changes afterwards ${fmt(afterTakeover)}`,
    );
  } finally {
    sock.close();
    for (const c of children) await stopChild(c);
    await Promise.all(hosts.map((h) => h.ask({ op: 'close' }).catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const sizes = (process.env['BENCH_FLEET_CLUSTERS'] ?? '10,50').split(',').map(Number);
  for (const n of sizes) await run(n);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
