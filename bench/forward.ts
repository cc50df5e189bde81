// Issue 4's benchmark: dnsperf through clusterset-dns (forward + cache, pinned to core 0) to a local
// unbound, next to dnsperf against that unbound directly, in the same run:
//   - cache hits: 1,000 names asked over and over (every answer from our cache after warm-up);
//   - cache misses: unique names asked once each (lookup, forward, store on every query);
//   - forward only: the same 1,000 names through a block without cache (every query upstream).
// Prints qps and latency. Run with `npm run bench` (BENCH=forward) or `node dist/bench/forward.js`.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dnsperf, formatPerf, freePort, hasCommand, startPinned, stopChild, unboundConf, waitForDns, type PerfResult } from './support.js';

const ZONE = 'bench.test';
const NAMES = 1000;
const UNIQUE = 400_000;

function unboundConfig(dir: string, port: number): string {
  return unboundConf(
    dir,
    port,
    ['"." refuse', `"${ZONE}." static`],
    [
      `${ZONE}. 300 IN SOA ns.${ZONE}. hostmaster.${ZONE}. 1 3600 600 86400 300`,
      ...Array.from({ length: NAMES }, (_, i) => `n${i}.${ZONE}. 300 IN A 10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`),
    ],
  );
}

const fmt = formatPerf;

export async function main(): Promise<void> {
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
  for (const cmd of ['dnsperf', 'dig', 'unbound']) {
    if (!(await hasCommand(cmd))) throw new Error(`${cmd} is needed: apt-get install dnsperf bind9-dnsutils unbound`);
  }
  const useTaskset = await hasCommand('taskset');
  const dir = mkdtempSync(join(tmpdir(), 'csdns-bench-forward-'));
  const unboundPort = await freePort();
  const cachedPort = await freePort();
  const plainPort = await freePort();
  writeFileSync(join(dir, 'unbound.conf'), unboundConfig(dir, unboundPort));
  writeFileSync(
    join(dir, 'Corefile'),
    `.:${cachedPort} {\n  bind 127.0.0.1\n  cache 300\n  forward . 127.0.0.1:${unboundPort}\n}\n` +
      `.:${plainPort} {\n  bind 127.0.0.1\n  forward . 127.0.0.1:${unboundPort}\n}\n`,
  );
  const hits = join(dir, 'hits.txt');
  const unique = join(dir, 'unique.txt');
  writeFileSync(hits, Array.from({ length: NAMES }, (_, i) => `n${i}.${ZONE} A`).join('\n') + '\n');
  writeFileSync(unique, Array.from({ length: UNIQUE }, (_, i) => `u${i}.${ZONE} A`).join('\n') + '\n');

  const bin = fileURLToPath(new URL('../src/cli/clusterset-dns.js', import.meta.url));
  // unbound on core 2 when there is one, so that it competes with neither clusterset-dns (core 0)
  // nor dnsperf (core 1); on smaller machines it floats.
  const unboundCore = availableParallelism() > 2 ? 2 : null;
  const unbound = startPinned(unboundCore, 'unbound', ['-d', '-p', '-c', join(dir, 'unbound.conf')], useTaskset);
  const ours = startPinned(0, process.execPath, [bin, '-conf', join(dir, 'Corefile')], useTaskset);
  try {
    await waitForDns(unboundPort, `n0.${ZONE}`);
    await waitForDns(cachedPort, `n0.${ZONE}`);
    await waitForDns(plainPort, `n0.${ZONE}`);
    console.log(`clusterset-dns forward benchmark: ${NAMES} names in unbound local data, ${seconds}s per run`);
    console.log(
      `clusterset-dns on core 0, dnsperf on core 1, unbound on ${unboundCore === null ? 'any core' : 'core 2'} ` +
        `(taskset ${useTaskset ? 'yes' : 'absent: unpinned'}); node ${process.version}`,
    );
    const runs: { name: string; port: number; file: string; once?: boolean }[] = [
      { name: 'cache hits', port: cachedPort, file: hits },
      { name: 'cache misses', port: cachedPort, file: unique, once: true },
      { name: 'forward only', port: plainPort, file: hits },
      { name: 'unbound direct', port: unboundPort, file: hits },
    ];
    for (const r of runs) {
      if (!r.once) await dnsperf({ port: r.port, file: r.file, seconds: 1, core: 1, useTaskset });
      const res = await dnsperf({ port: r.port, file: r.file, seconds, core: 1, useTaskset, ...(r.once ? { clients: 4 } : {}) });
      console.log(`${r.name.padEnd(16)} ${fmt(res)}`);
    }
  } finally {
    await stopChild(ours);
    await stopChild(unbound);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
