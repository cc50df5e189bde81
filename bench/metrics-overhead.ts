// Issue 5's measurement: what per-query metrics and logging cost. dnsperf against clusterset-dns
// serving the embedded default's zone (config/objects.yaml), once plain and once with
// `prometheus` + `log` (the query log goes to stdout, here /dev/null), plus each alone to show
// where the cost is. All servers run in the same run, pinned to core 0 (dnsperf on core 1), the
// configurations taking turns round by round so that drift in the machine hits all alike. Besides
// qps, the server's own CPU time per answered query (from /proc) is printed: on a shared machine
// it is the steadier figure, as other load moves qps but hardly the work done per query.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
}

const VARIANTS: readonly Variant[] = [
  { name: 'plain', directives: () => [] },
  { name: 'prometheus', directives: (p) => [`prometheus 127.0.0.1:${p}`] },
  { name: 'log', directives: () => ['log'] },
  { name: 'prometheus+log', directives: (p) => [`prometheus 127.0.0.1:${p}`, 'log'] },
  // CoreDNS's advice for production, and the shipped Corefile's: log only what went wrong.
  { name: 'prom+log-denial-error', directives: (p) => [`prometheus 127.0.0.1:${p}`, 'log . {\n    class denial error\n  }'] },
];

function corefile(port: number, objects: string, extra: readonly string[]): string {
  return [`${Z}:${port} {`, '  bind 127.0.0.1', ...extra.map((d) => `  ${d}`), `  multicluster ${Z} {`, `    objects ${objects}`, '    ttl 5', '  }', '}', ''].join('\n');
}

/** CPU time (user + system) the process has used so far, in microseconds; null off Linux. */
function cpuMicros(pid: number, ticksPerSecond: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); `fields` starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
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
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
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
  const running: { variant: Variant; port: number; child: ReturnType<typeof startPinned>; results: PerfResult[]; cpuPerQuery: number[] }[] = [];
  try {
    for (const variant of VARIANTS) {
      const port = await freePort();
      const path = join(dir, `Corefile.${variant.name}`);
      writeFileSync(path, corefile(port, objects, variant.directives(await freePort())));
      // stdout (the query log) is discarded by startPinned: /dev/null.
      const child = startPinned(0, process.execPath, [bin, '-conf', path], useTaskset);
      running.push({ variant, port, child, results: [], cpuPerQuery: [] });
      await waitForDns(port, `service1.provider-ns.svc.${Z}`);
    }
    console.log(`clusterset-dns metrics/log overhead: embedded default zone, ${QUERIES.length}-query mix, ${rounds} rounds of ${seconds}s per configuration`);
    console.log(`servers pinned to core 0, dnsperf to core 1 (taskset ${useTaskset ? 'yes' : 'absent: unpinned'}); node ${process.version}`);
    for (const r of running) await dnsperf({ port: r.port, file: queries, seconds: 2, core: 1, useTaskset });
    for (let round = 0; round < rounds; round++) {
      for (const r of running) {
        const before = cpuMicros(r.child.pid!, ticks);
        const result = await dnsperf({ port: r.port, file: queries, seconds, core: 1, useTaskset });
        const after = cpuMicros(r.child.pid!, ticks);
        r.results.push(result);
        if (before !== null && after !== null && result.completed > 0) r.cpuPerQuery.push((after - before) / result.completed);
      }
    }
    const plain = median(running[0]!.results.map((x) => x.qps));
    const plainCpu = running[0]!.cpuPerQuery.length > 0 ? median(running[0]!.cpuPerQuery) : null;
    for (const r of running) {
      const qps = median(r.results.map((x) => x.qps));
      const lat = median(r.results.map((x) => x.avgLatencyMs));
      const lost = r.results.reduce((n, x) => n + x.lost, 0);
      const each = r.results.map((x) => x.qps.toFixed(0)).join(', ');
      let line = `${r.variant.name.padEnd(22)} ${qps.toFixed(0).padStart(6)} qps (median of ${each})  avg ${lat.toFixed(3)} ms  lost ${lost}`;
      if (r !== running[0]) line += `  qps overhead ${(((plain - qps) / plain) * 100).toFixed(1)}%`;
      if (plainCpu !== null && r.cpuPerQuery.length > 0) {
        const cpu = median(r.cpuPerQuery);
        line += `\n${''.padEnd(22)} ${cpu.toFixed(2)} us CPU per query (median of ${r.cpuPerQuery.map((x) => x.toFixed(2)).join(', ')})`;
        if (r !== running[0]) line += `  CPU overhead ${(((cpu - plainCpu) / plainCpu) * 100).toFixed(1)}%`;
      }
      console.log(line);
    }
  } finally {
    for (const r of running) await stopChild(r.child);
  }
}
