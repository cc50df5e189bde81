// Loaded into the benchmarked server with `node --import` (bench/k8s-latency.ts does so when
// BENCH_K8S_MEMORY=1): on SIGUSR2 it writes one JSON line to stderr saying where the process's
// memory is: process.memoryUsage(), V8's heap spaces (used of committed), and the kernel's
// smaps_rollup. With --expose-gc it also reports the same after a full GC, to tell live data from
// heap V8 keeps committed. Not part of the server: it only reads, and only when asked.

import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

const MB = 1024 * 1024;
const mb = (n: number): number => Math.round((n / MB) * 10) / 10;

function kernelMb(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m && ['Rss', 'Anonymous', 'Private_Dirty', 'Shared_Clean', 'Private_Clean'].includes(m[1]!)) out[m[1]!] = Math.round(Number(m[2]) / 102.4) / 10;
  }
  return out;
}

function sample(): Record<string, unknown> {
  const u = process.memoryUsage();
  const spaces: Record<string, string> = {};
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_size > 0) spaces[s.space_name] = `${mb(s.space_used_size)}/${mb(s.space_size)}`;
  }
  return {
    rss: mb(u.rss),
    heapUsed: mb(u.heapUsed),
    heapTotal: mb(u.heapTotal),
    external: mb(u.external),
    arrayBuffers: mb(u.arrayBuffers),
    outsideHeap: mb(u.rss - u.heapTotal),
    spaces,
    kernel: kernelMb(),
  };
}

process.on('SIGUSR2', () => {
  const before = sample();
  const gc = (globalThis as { gc?: () => void }).gc;
  let afterGc: Record<string, unknown> | undefined;
  if (gc !== undefined) {
    gc();
    afterGc = sample();
  }
  // MEMORY_PROBE_SNAPSHOT=DIR: also a heap snapshot there (after the GC, when there is one).
  const dir = process.env['MEMORY_PROBE_SNAPSHOT'];
  const snapshot = dir === undefined ? undefined : v8.writeHeapSnapshot(`${dir}/server-${process.pid}.heapsnapshot`);
  process.stderr.write(`memory-probe ${JSON.stringify({ before, afterGc, snapshot })}\n`);
});
