// Issue 5's measurement: what per-query metrics and logging cost. dnsperf against clusterset-dns
// serving the embedded default's zone (config/objects.yaml), once plain and once with
// `prometheus` + `log` (the query log goes to stdout, here /dev/null), plus each alone to show
// where the cost is. All servers run in the same run, pinned to core 0 (dnsperf on core 1), the
// configurations taking turns round by round so that drift in the machine hits all alike.
//
// The query log's lines are made and written by a worker thread. It runs where the OS puts it: on
// a server with a core to spare, beside the main thread. Here that is shown by moving the worker
// to core 1 (which it then shares with dnsperf, so if anything the figure is low); `log, one core`
// leaves it on core 0 with everything else, for a server held to a single core.
//
// Besides qps, each thread's CPU time per answered query (from /proc) is printed: the main
// thread's is what bounds qps, and on a shared machine it is the steadier figure, as other load
// moves qps but hardly the work done per query. `other` is V8's helper threads (GC) and libuv's.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dnsperf, freePort, hasCommand, startPinned, stopChild, waitForDns, type PerfResult } from './support.js';

const Z = 'clusterset.local';

/** Names of the embedded default: ClusterSetIP, headless, per-pod, SRV, NODATA and NXDOMAIN. */
const QUERIES = [
  `service1.provider-ns.svc.${Z} A`,
  `service1.provider-ns.svc.${Z} A`,
  `service1.provider-ns.svc.${Z} A`,
  `web-db.provider-ns.svc.${Z} A`,
  `web-db-0.cluster-east.web-db.provider-ns.svc.${Z} A`,
  `_http._tcp.service1.provider-ns.svc.${Z} SRV`,
  `service1.provider-ns.svc.${Z} AAAA`,
  `missing.provider-ns.svc.${Z} A`,
];

interface Variant {
  readonly name: string;
  readonly directives: (metricsPort: number) => string[];
  /** Move the query-log worker thread to core 1 (a core to spare). */
  readonly workerCore?: number;
}

const VARIANTS: readonly Variant[] = [
  { name: 'plain', directives: () => [] },
  { name: 'prometheus', directives: (p) => [`prometheus 127.0.0.1:${p}`] },
  { name: 'log', directives: () => ['log'], workerCore: 1 },
  { name: 'log, one core', directives: () => ['log'] },
  { name: 'prometheus+log', directives: (p) => [`prometheus 127.0.0.1:${p}`, 'log'], workerCore: 1 },
  // CoreDNS's advice for production, and the shipped Corefile's: log only what went wrong.
  { name: 'prom+log-denial-error', directives: (p) => [`prometheus 127.0.0.1:${p}`, 'log . {\n    class denial error\n  }'], workerCore: 1 },
];

function corefile(port: number, objects: string, extra: readonly string[]): string {
  return [`${Z}:${port} {`, '  bind 127.0.0.1', ...extra.map((d) => `  ${d}`), `  multicluster ${Z} {`, `    objects ${objects}`, '    ttl 5', '  }', '}', ''].join('\n');
}

/** CPU time (user + system) a thread (a /proc/PID/task/TID/stat file) has used, in microseconds. */
function statMicros(path: string, ticksPerSecond: number): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); `fields` starts at field 3.
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
}

interface ThreadCpu {
  main: number;
  /** The query-log worker (Node names worker threads "WorkerThread"). */
  logWorker: number;
  other: number;
}

const THREAD_KINDS = ['main', 'logWorker', 'other'] as const;

function threadsOf(pid: number): { tid: number; comm: string }[] {
  return readdirSync(`/proc/${pid}/task`).map((t) => ({ tid: Number(t), comm: readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() }));
}

/** CPU time per kind of thread so far, in microseconds; null off Linux. */
function threadCpu(pid: number, ticksPerSecond: number): ThreadCpu | null {
  try {
    const cpu: ThreadCpu = { main: 0, logWorker: 0, other: 0 };
    for (const { tid, comm } of threadsOf(pid)) {
      const us = statMicros(`/proc/${pid}/task/${tid}/stat`, ticksPerSecond);
      if (tid === pid) cpu.main += us;
      else if (comm === 'WorkerThread') cpu.logWorker += us;
      else cpu.other += us;
    }
    return cpu;
  } catch {
    return null;
  }
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function main(): Promise<void> {
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4);
  // Two processes of one configuration can differ by a tenth in CPU per query for their whole
  // life (seen here: 23.3 and 26.9 us for the same Corefile), more than what is measured; so each
  // configuration runs as several processes and the figures are medians over all of them.
  const instances = Number(process.env['BENCH_INSTANCES'] ?? 3);
  for (const cmd of ['dnsperf', 'dig']) {
    if (!(await hasCommand(cmd))) throw new Error(`${cmd} is needed: apt-get install dnsperf bind9-dnsutils`);
  }
  const useTaskset = await hasCommand('taskset');
  const dir = mkdtempSync(join(tmpdir(), 'csdns-bench-metrics-'));
  const objects = fileURLToPath(new URL('../../config/objects.yaml', import.meta.url));
  const queries = join(dir, 'queries.txt');
  writeFileSync(queries, QUERIES.join('\n') + '\n');
  const bin = fileURLToPath(new URL('../src/cli/clusterset-dns.js', import.meta.url));

  const ticks = clockTicks();
  type Running = { variant: Variant; port: number; child: ReturnType<typeof startPinned>; results: PerfResult[]; cpu: ThreadCpu[] };
  const running: Running[] = [];
  try {
    for (let k = 0; k < instances; k++) {
      for (const variant of VARIANTS) {
        const port = await freePort();
        const path = join(dir, `Corefile.${variant.name.replace(/\W+/g, '-')}.${k}`);
        writeFileSync(path, corefile(port, objects, variant.directives(await freePort())));
        // stdout (the query log) is discarded by startPinned: /dev/null.
        const child = startPinned(0, process.execPath, [bin, '-conf', path], useTaskset);
        running.push({ variant, port, child, results: [], cpu: [] });
        await waitForDns(port, `service1.provider-ns.svc.${Z}`);
        if (variant.workerCore !== undefined && useTaskset) {
          for (const t of threadsOf(child.pid!)) if (t.comm === 'WorkerThread') execFileSync('taskset', ['-p', '-c', String(variant.workerCore), String(t.tid)]);
        }
      }
    }
    console.log(`clusterset-dns metrics/log overhead: embedded default zone, ${QUERIES.length}-query mix`);
    console.log(`${instances} processes per configuration, ${rounds} rounds of ${seconds}s each, all taking turns; medians over all rounds`);
    console.log(`servers pinned to core 0, dnsperf to core 1 (taskset ${useTaskset ? 'yes' : 'absent: unpinned'}); node ${process.version}`);
    console.log('the query-log worker on core 1 except in "log, one core"; CPU: us per answered query, by thread');
    for (const r of running) await dnsperf({ port: r.port, file: queries, seconds: 2, core: 1, useTaskset });
    for (let round = 0; round < rounds; round++) {
      for (const r of running) {
        const before = threadCpu(r.child.pid!, ticks);
        const result = await dnsperf({ port: r.port, file: queries, seconds, core: 1, useTaskset });
        const after = threadCpu(r.child.pid!, ticks);
        r.results.push(result);
        if (before !== null && after !== null && result.completed > 0) {
          const per = (k: keyof ThreadCpu): number => (after[k] - before[k]) / result.completed;
          r.cpu.push({ main: per('main'), logWorker: per('logWorker'), other: per('other') });
        }
      }
    }
    const of = (v: Variant): Running[] => running.filter((r) => r.variant === v);
    const qpsOf = (v: Variant): number => median(of(v).flatMap((r) => r.results.map((x) => x.qps)));
    const cpus = (v: Variant): ThreadCpu[] => of(v).flatMap((r) => r.cpu);
    const cpuOf = (v: Variant, k: keyof ThreadCpu | 'total'): number => median(cpus(v).map((c) => (k === 'total' ? c.main + c.logWorker + c.other : c[k])));
    const plain = VARIANTS[0]!;
    const pct = (x: number, base: number): string => `${x >= base ? '+' : ''}${(((x - base) / base) * 100).toFixed(1)}%`;
    for (const v of VARIANTS) {
      const qps = qpsOf(v);
      const lat = median(of(v).flatMap((r) => r.results.map((x) => x.avgLatencyMs)));
      const lost = of(v).reduce((n, r) => n + r.results.reduce((m, x) => m + x.lost, 0), 0);
      const perProcess = of(v).map((r) => (median(r.results.map((x) => x.qps)) / 1000).toFixed(1)).join(' ');
      let line = `${v.name.padEnd(22)} ${qps.toFixed(0).padStart(6)} qps (per process ${perProcess}k)  avg ${lat.toFixed(3)} ms  lost ${lost}`;
      if (v !== plain) line += `  qps ${pct(qps, qpsOf(plain))}`;
      if (cpus(v).length > 0 && cpus(plain).length > 0) {
        const cpu = THREAD_KINDS.map((k) => `${k} ${cpuOf(v, k).toFixed(2)}`).join('  ');
        const mainPerProcess = of(v).map((r) => median(r.cpu.map((c) => c.main)).toFixed(1)).join(' ');
        line += `\n${''.padEnd(22)} CPU ${cpu}  total ${cpuOf(v, 'total').toFixed(2)} (main per process ${mainPerProcess})`;
        if (v !== plain) line += `\n${''.padEnd(22)} vs plain: main ${pct(cpuOf(v, 'main'), cpuOf(plain, 'main'))}, total ${pct(cpuOf(v, 'total'), cpuOf(plain, 'total'))}`;
      }
      console.log(line);
    }
  } finally {
    for (const r of running) await stopChild(r.child);
  }
}
