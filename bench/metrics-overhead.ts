// Issue 5's measurement: what per-query metrics and logging cost. dnsperf against clusterset-dns
// serving the embedded default's zone (config/objects.yaml), plain and with `prometheus`, `log`
// (every query; the log goes to stdout, here /dev/null) and both.
//
// How, and why so: on the 2-core machine this was built on, two processes with the same Corefile
// differed by a tenth in CPU per query for their whole life, and dnsperf needs all of its core to
// saturate one server core, so qps at saturation also measures anything else that runs on
// dnsperf's core (the query-log worker). Therefore:
// - each server process takes every configuration in turn (its Corefile rewritten and reloaded
//   with SIGUSR1, then warmed up), so configurations are compared within one process, round by
//   round, and the figure is the median of those paired differences over all rounds and processes;
// - the main figure is the CPU time of the server's query thread (the main thread, whose work
//   bounds qps) per answered query, at a fixed offered load below saturation (BENCH_RATE): the
//   same load for every configuration. Qps at saturation is printed too, with that caveat.
// Servers run on core 0, dnsperf on core 1. The query-log worker thread (started once the log is
// busy) is moved to core 1, as the OS would give it a free core; in `log, one core` it stays on
// core 0 with everything else, for a server held to one core, where its CPU counts in full.
// `other` is V8's and libuv's helper threads.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clockTicks, dnsperf, threadsOf, freePort, hasCommand, startPinned, stopChild, threadTimes, waitForDns, type PerfResult } from './support.js';
import { median, mixCorefile, QUERY_MIX, ZONE } from './embedded-mix.js';

interface Variant {
  readonly name: string;
  readonly directives: (metricsPort: number) => string[];
  /** Move the query-log worker thread to this core. */
  readonly workerCore?: number;
}

const VARIANTS: readonly Variant[] = [
  { name: 'plain', directives: () => [] },
  { name: 'prometheus', directives: (p) => [`prometheus 127.0.0.1:${p}`] },
  { name: 'log', directives: () => ['log'], workerCore: 1 },
  { name: 'prometheus+log', directives: (p) => [`prometheus 127.0.0.1:${p}`, 'log'], workerCore: 1 },
  // CoreDNS's advice for production, and the shipped Corefile's: log only what went wrong.
  { name: 'prom+log-denial-error', directives: (p) => [`prometheus 127.0.0.1:${p}`, 'log . {\n    class denial error\n  }'], workerCore: 1 },
  { name: 'log, one core', directives: () => ['log'] },
];

/** CPU time (user + system) a thread (a /proc/PID/task/TID/stat file) has used, in microseconds. */
function statMicros(path: string, ticksPerSecond: number): number {
  const t = threadTimes(path, ticksPerSecond);
  return t.userUs + t.systemUs;
}

interface ThreadCpu {
  main: number;
  /** The query-log worker (Node names worker threads "WorkerThread"). */
  logWorker: number;
  other: number;
}

const THREAD_KINDS = ['main', 'logWorker', 'other'] as const;


/** CPU time per kind of thread so far, in microseconds; null off Linux. */
function threadCpu(pid: number, ticksPerSecond: number): ThreadCpu | null {
  try {
    const cpu: ThreadCpu = { main: 0, logWorker: 0, other: 0 };
    for (const { tid, comm } of threadsOf(pid)) {
      let us = 0;
      try {
        us = statMicros(`/proc/${pid}/task/${tid}/stat`, ticksPerSecond);
      } catch {
        continue;
      }
      if (tid === pid) cpu.main += us;
      else if (comm === 'WorkerThread') cpu.logWorker += us;
      else cpu.other += us;
    }
    return cpu;
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One measurement of one configuration in one process and round. */
interface Sample {
  readonly process: number;
  readonly round: number;
  /** CPU per answered query at the fixed load, by thread. */
  readonly cpu: ThreadCpu;
  /** At saturation. */
  readonly qps: number;
}

export async function main(): Promise<void> {
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 4);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4);
  const processes = Number(process.env['BENCH_INSTANCES'] ?? 2);
  const rate = Number(process.env['BENCH_RATE'] ?? 20_000);
  for (const cmd of ['dnsperf', 'dig']) {
    if (!(await hasCommand(cmd))) throw new Error(`${cmd} is needed: apt-get install dnsperf bind9-dnsutils`);
  }
  const useTaskset = await hasCommand('taskset');
  const dir = mkdtempSync(join(tmpdir(), 'csdns-bench-metrics-'));
  const objects = fileURLToPath(new URL('../../config/objects.yaml', import.meta.url));
  const queries = join(dir, 'queries.txt');
  writeFileSync(queries, QUERY_MIX.join('\n') + '\n');
  const bin = fileURLToPath(new URL('../src/cli/clusterset-dns.js', import.meta.url));
  const ticks = clockTicks();

  const servers: { port: number; metricsPort: number; path: string; child: ReturnType<typeof startPinned> }[] = [];
  const samples = new Map<Variant, Sample[]>(VARIANTS.map((v) => [v, []]));
  try {
    for (let k = 0; k < processes; k++) {
      const port = await freePort();
      const metricsPort = await freePort();
      const path = join(dir, `Corefile.${k}`);
      writeFileSync(path, mixCorefile(port, objects, []));
      // stdout (the query log) is discarded by startPinned: /dev/null.
      const child = startPinned(0, process.execPath, [bin, '-conf', path], useTaskset);
      servers.push({ port, metricsPort, path, child });
      await waitForDns(port, `service1.provider-ns.svc.${ZONE}`);
    }
    console.log(`clusterset-dns metrics/log overhead: embedded default zone, ${QUERY_MIX.length}-query mix; node ${process.version}`);
    console.log(`${processes} server processes, each taking every configuration in turn (reload), ${rounds} rounds; servers on core 0, dnsperf on core 1 (taskset ${useTaskset ? 'yes' : 'absent: unpinned'})`);
    console.log(`CPU: us per answered query by thread, at a fixed ${rate} qps for ${seconds}s; qps: at saturation for ${seconds}s. Medians; "vs plain" is the median of paired differences (same process, same round)`);
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so that no configuration always follows the same one.
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const [k, s] of servers.entries()) {
        for (const variant of order) {
          writeFileSync(s.path, mixCorefile(s.port, objects, variant.directives(s.metricsPort)));
          s.child.kill('SIGUSR1');
          await sleep(500);
          // Warm-up: the new chain's code, and (for `log`) long enough for the log to be busy.
          await dnsperf({ port: s.port, file: queries, seconds: 2, core: 1, useTaskset, rate });
          if (variant.workerCore !== undefined && useTaskset) {
            for (const t of threadsOf(s.child.pid!)) {
              if (t.comm === 'WorkerThread') execFileSync('taskset', ['-p', '-c', String(variant.workerCore), String(t.tid)]);
            }
          }
          const before = threadCpu(s.child.pid!, ticks);
          const fixed = await dnsperf({ port: s.port, file: queries, seconds, core: 1, useTaskset, rate });
          const after = threadCpu(s.child.pid!, ticks);
          const saturated: PerfResult = await dnsperf({ port: s.port, file: queries, seconds, core: 1, useTaskset });
          if (before === null || after === null || fixed.completed === 0) continue;
          const per = (key: keyof ThreadCpu): number => (after[key] - before[key]) / fixed.completed;
          samples.get(variant)!.push({ process: k, round, cpu: { main: per('main'), logWorker: per('logWorker'), other: per('other') }, qps: saturated.qps });
        }
      }
    }
    const plain = samples.get(VARIANTS[0]!)!;
    const total = (c: ThreadCpu): number => c.main + c.logWorker + c.other;
    /** Paired differences against plain of the same process and round. */
    const paired = (xs: readonly Sample[], f: (s: Sample) => number): number[] =>
      xs.flatMap((x) => {
        const p = plain.find((y) => y.process === x.process && y.round === x.round);
        return p === undefined ? [] : [f(x) - f(p)];
      });
    const plainMain = median(plain.map((s) => s.cpu.main));
    const plainQps = median(plain.map((s) => s.qps));
    const signed = (x: number, digits = 2): string => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
    for (const v of VARIANTS) {
      const xs = samples.get(v)!;
      if (xs.length === 0) continue;
      const cpu = THREAD_KINDS.map((k) => `${k} ${median(xs.map((s) => s.cpu[k])).toFixed(2)}`).join('  ');
      let line = `${v.name.padEnd(22)} CPU ${cpu}  total ${median(xs.map((s) => total(s.cpu))).toFixed(2)}  |  ${median(xs.map((s) => s.qps)).toFixed(0)} qps`;
      if (v !== VARIANTS[0]) {
        const dMain = median(paired(xs, (s) => s.cpu.main));
        const dTotal = median(paired(xs, (s) => total(s.cpu)));
        const dQps = median(paired(xs, (s) => s.qps));
        const each = paired(xs, (s) => s.cpu.main).map((d) => signed(d, 1)).join(' ');
        line += `\n${''.padEnd(22)} vs plain: main ${signed(dMain)} us (${signed((dMain / plainMain) * 100, 1)}%), total ${signed(dTotal)} us, saturated qps ${signed((dQps / plainQps) * 100, 1)}%  [main: ${each}]`;
      }
      console.log(line);
    }
  } finally {
    for (const s of servers) await stopChild(s.child);
  }
}
