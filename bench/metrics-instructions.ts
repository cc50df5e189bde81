// Issue 5's measurement, by instruction counts: what per-query metrics and logging add to a query,
// counted by valgrind's callgrind rather than timed. On the 2-core VM this was built on, CPU time
// per query differed by a tenth between two processes with the same Corefile, which hides the few
// percent in question; callgrind's counts repeat to within a fraction of a percent for the same
// binary and input, whatever else the machine is doing.
//
// For each configuration (and BENCH_REPEATS times, to show the repeatability) one server process
// runs under `valgrind --tool=callgrind` with counting off. dnsperf sends the query file once
// (BENCH_QUERIES queries, at most 20 outstanding) to warm it up (the JIT's tiers, and the query
// log's worker, which starts once the log is busy); then counting is switched on
// (`callgrind_control -i on`), the same queries are sent again, and the counts are dumped per
// thread (`callgrind_control -d`); with much fewer than 20,000 queries the JIT's compiles still
// fall into the count. Instructions per answered query are reported for:
// - main: Node's main thread, which reads, answers and writes every query: its work bounds qps;
// - log worker: the query log's worker thread (the thread that waits in Atomics.wait, or writes
//   lines);
// - other: V8's helpers (compiler, GC) and libuv's thread pool.
// What counts leave out: the kernel's side of system calls, cache misses, and contention between
// cores. The kernel's side is the same receive and send per query in every configuration (the
// log's worker is woken every 256 lines), so a share of user-space instructions overstates the
// share of the query thread's CPU. To turn instructions into qps, plain runs once more without
// valgrind, pinned to core 0 and saturated by dnsperf on core 1, and its query thread's user and
// system CPU per query are read from /proc: the estimated qps cost of a configuration is its extra
// main-thread instructions as a share of plain's, times plain's user share of the query thread's
// CPU (which assumes the extra instructions run as fast as the rest of user space); on one core
// (or under a CPU limit of one), where every thread's work counts, the same with all threads.

import { execFile } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clockTicks, dnsperf, threadsOf, freePort, hasCommand, startPinned, stopChild, threadTimes, waitForDns } from './support.js';
import { median, mixCorefile, QUERY_MIX, ZONE } from './embedded-mix.js';

const run = promisify(execFile);

interface Variant {
  readonly name: string;
  readonly directives: (metricsPort: number) => string[];
  /**
   * Warm up with NXDOMAIN queries only first, so that a `class denial error` log is busy enough
   * for its worker (under valgrind the server answers about 1,800 queries a second, one in eight
   * of the mix is NXDOMAIN), then with the mix as usual. Without it such a log stays quiet and
   * makes its lines on the main thread.
   */
  readonly busyWarmUp?: boolean;
  /** Queries logged, of the mix's eight: for the cost per logged line. */
  readonly loggedOfEight?: number;
}

const DENIAL_ERROR = 'log . {\n    class denial error\n  }';

const VARIANTS: readonly Variant[] = [
  { name: 'plain', directives: () => [] },
  { name: 'prometheus', directives: (p) => [`prometheus 127.0.0.1:${p}`] },
  { name: 'log', directives: () => ['log'], loggedOfEight: 8 },
  { name: 'prometheus+log', directives: (p) => [`prometheus 127.0.0.1:${p}`, 'log'], loggedOfEight: 8 },
  // The shipped Corefile's operations: log only what went wrong (here the NXDOMAIN and the NODATA
  // of the mix's eight queries), with the log busy (its worker).
  { name: 'prom+log-denial-error', directives: (p) => [`prometheus 127.0.0.1:${p}`, DENIAL_ERROR], busyWarmUp: true, loggedOfEight: 2 },
  // The same with the log quiet (lines made on the main thread). Valgrind's bursts take two in
  // eight past the worker's threshold, so the rule logs only the NXDOMAIN name: one in eight.
  { name: 'prom+log-one-name-quiet', directives: (p) => [`prometheus 127.0.0.1:${p}`, `log missing.provider-ns.svc.${ZONE} {\n    class denial error\n  }`], loggedOfEight: 1 },
];

interface Counts {
  main: number;
  logWorker: number;
  other: number;
}

/** Per-thread instruction totals of one callgrind dump (files `<base>.<part>-<thread>`). */
function readDump(dir: string, base: string, part: number): Counts {
  const counts: Counts = { main: 0, logWorker: 0, other: 0 };
  const prefix = `${base}.${part}-`;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    const thread = Number(f.slice(prefix.length));
    const text = readFileSync(join(dir, f), 'utf8');
    const total = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? 0);
    if (thread === 1) counts.main += total;
    // The log worker waits for records in Atomics.wait and writes lines with fs.writeSync.
    else if (/FutexEmulation::WaitSync|node::fs::WriteBuffer/.test(text)) counts.logWorker += total;
    else counts.other += total;
  }
  return counts;
}

interface Sample {
  readonly counts: Counts;
  readonly answered: number;
  readonly worker: boolean;
}

export async function main(): Promise<void> {
  const queries = Number(process.env['BENCH_QUERIES'] ?? 30_000);
  const repeats = Number(process.env['BENCH_REPEATS'] ?? 2);
  for (const cmd of ['valgrind', 'callgrind_control', 'dnsperf', 'dig']) {
    if (!(await hasCommand(cmd))) throw new Error(`${cmd} is needed: apt-get install valgrind dnsperf bind9-dnsutils`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'csdns-bench-instr-'));
  const objects = fileURLToPath(new URL('../../config/objects.yaml', import.meta.url));
  const file = join(dir, 'queries.txt');
  writeFileSync(file, Array.from({ length: queries }, (_, i) => QUERY_MIX[i % QUERY_MIX.length]).join('\n') + '\n');
  const denials = join(dir, 'denials.txt');
  writeFileSync(denials, Array.from({ length: queries }, () => QUERY_MIX[QUERY_MIX.length - 1]).join('\n') + '\n');
  const bin = fileURLToPath(new URL('../src/cli/clusterset-dns.js', import.meta.url));
  console.log(`clusterset-dns metrics/log overhead in instructions (callgrind): embedded default zone, ${QUERY_MIX.length}-query mix, ${queries} queries counted after ${queries} of warm-up, 20 outstanding; node ${process.version}`);
  console.log('instructions per answered query, user space, by thread; "vs plain" against the median of plain');

  const samples = new Map<Variant, Sample[]>(VARIANTS.map((v) => [v, []]));
  for (let rep = 0; rep < repeats; rep++) {
    for (const variant of VARIANTS) {
      const port = await freePort();
      const metricsPort = await freePort();
      const conf = join(dir, `Corefile.${rep}.${samples.get(variant)!.length}.${VARIANTS.indexOf(variant)}`);
      writeFileSync(conf, mixCorefile(port, objects, variant.directives(metricsPort)));
      const base = `cg.${VARIANTS.indexOf(variant)}.${rep}`;
      // The production flags (Dockerfile, npm start); stdout, the query log, goes to /dev/null.
      const child = spawn(
        'valgrind',
        ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', '--smc-check=all-non-file', `--callgrind-out-file=${join(dir, `${base}.%p`)}`, process.execPath, '--max-semi-space-size=8', bin, '-conf', conf],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr!.on('data', () => undefined);
      try {
        await waitForDns(port, `service1.provider-ns.svc.${ZONE}`, 180_000);
        // The busy warm-up starts the worker; the mix then warms up the code the count will run.
        if (variant.busyWarmUp === true) await dnsperf({ port, file: denials, passes: 1, core: null, useTaskset: false, outstanding: 20, clients: 1 });
        await dnsperf({ port, file, passes: 1, core: null, useTaskset: false, outstanding: 20, clients: 1 });
        const pid = String(child.pid);
        await run('callgrind_control', ['-i', 'on', pid]);
        const measured = await dnsperf({ port, file, passes: 1, core: null, useTaskset: false, outstanding: 20, clients: 1 });
        await run('callgrind_control', ['-d', pid]);
        const worker = threadsOf(child.pid!).some((t) => t.comm === 'WorkerThread');
        const counts = readDump(dir, `${base}.${pid}`, 1);
        samples.get(variant)!.push({ counts, answered: measured.completed, worker });
        const per = (n: number): string => (n / measured.completed).toFixed(0);
        console.log(`  ${variant.name.padEnd(22)} run ${rep + 1}: main ${per(counts.main)}  log worker ${per(counts.logWorker)}  other ${per(counts.other)}  (${measured.completed} answered, ${measured.lost} lost${worker ? ', worker thread running' : ''})`);
      } finally {
        await stopChild(child);
      }
    }
  }

  const split = await userShare(objects, bin, dir);
  console.log(`plain without valgrind, saturated: query thread ${split.userUs.toFixed(2)} us user + ${split.systemUs.toFixed(2)} us system per query (${split.qps.toFixed(0)} qps): user share ${(split.share * 100).toFixed(0)}%`);

  const per = (s: Sample, k: keyof Counts | 'total'): number =>
    (k === 'total' ? s.counts.main + s.counts.logWorker + s.counts.other : s.counts[k]) / s.answered;
  const plain = samples.get(VARIANTS[0]!)!;
  const plainMain = median(plain.map((s) => per(s, 'main')));
  const plainTotal = median(plain.map((s) => per(s, 'total')));
  const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  console.log('medians:');
  for (const v of VARIANTS) {
    const xs = samples.get(v)!;
    if (xs.length === 0) continue;
    const main = median(xs.map((s) => per(s, 'main')));
    const total = median(xs.map((s) => per(s, 'total')));
    const spread = xs.map((s) => per(s, 'main'));
    let line = `${v.name.padEnd(22)} main ${main.toFixed(0)} (runs ${Math.min(...spread).toFixed(0)}-${Math.max(...spread).toFixed(0)})  log worker ${median(xs.map((s) => per(s, 'logWorker'))).toFixed(0)}  total ${total.toFixed(0)}`;
    if (v.loggedOfEight !== undefined) {
      // Instructions per logged line, less what the same configuration without the log costs.
      const without = v.directives(0).some((d) => d.startsWith('prometheus')) ? samples.get(VARIANTS[1]!)! : plain;
      const base = median(without.map((s) => per(s, 'main')));
      const baseTotal = median(without.map((s) => per(s, 'total')));
      line += `\n${''.padEnd(22)} per logged line: main ${(((main - base) * 8) / v.loggedOfEight).toFixed(0)}, all threads ${(((total - baseTotal) * 8) / v.loggedOfEight).toFixed(0)}`;
    }
    if (v !== VARIANTS[0]) {
      const dMain = (main - plainMain) / plainMain;
      const dTotal = (total - plainTotal) / plainTotal;
      line += `  |  vs plain: main ${signed(dMain * 100)}%, all threads ${signed(dTotal * 100)}%  |  estimated qps cost ${signed(dMain * split.share * 100)}%, on one core ${signed(dTotal * split.share * 100)}%`;
    }
    console.log(line);
  }
}

/** Plain's query thread without valgrind at saturation: user and system CPU per query. */
async function userShare(objects: string, bin: string, dir: string): Promise<{ userUs: number; systemUs: number; share: number; qps: number }> {
  const useTaskset = await hasCommand('taskset');
  const port = await freePort();
  const conf = join(dir, 'Corefile.native');
  writeFileSync(conf, mixCorefile(port, objects, []));
  const file = join(dir, 'queries.mix');
  writeFileSync(file, QUERY_MIX.join('\n') + '\n');
  const child = startPinned(0, process.execPath, ['--max-semi-space-size=8', bin, '-conf', conf], useTaskset);
  const ticks = clockTicks();
  try {
    await waitForDns(port, `service1.provider-ns.svc.${ZONE}`);
    await dnsperf({ port, file, seconds: 3, core: 1, useTaskset });
    const stat = `/proc/${child.pid}/task/${child.pid}/stat`;
    const users: number[] = [];
    const systems: number[] = [];
    const rates: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = threadTimes(stat, ticks);
      const r = await dnsperf({ port, file, seconds: 5, core: 1, useTaskset });
      const after = threadTimes(stat, ticks);
      users.push((after.userUs - before.userUs) / r.completed);
      systems.push((after.systemUs - before.systemUs) / r.completed);
      rates.push(r.qps);
    }
    const userUs = users.reduce((a, b) => a + b) / users.length;
    const systemUs = systems.reduce((a, b) => a + b) / systems.length;
    return { userUs, systemUs, share: userUs / (userUs + systemUs), qps: rates.reduce((a, b) => a + b) / rates.length };
  } finally {
    await stopChild(child);
  }
}
