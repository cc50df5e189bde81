// Issue 2's benchmark: dnsperf against clusterset-dns (pinned to core 0, dnsperf on core 1) for a
// ClusterSetIP A mix, a headless mix and an NXDOMAIN mix, and against Debian's unbound serving
// the same names as local data, in the same run. Prints qps, latency and the ratio to unbound.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dnsperf, formatPerf, freePort, hasCommand, startPinned, stopChild, unboundConf, waitForDns } from './support.js';

const Z = 'clusterset.local';
const IMPORTS = 1000;
const HEADLESS = 200;
const ENDPOINTS = 5;

interface Mix {
  readonly name: string;
  readonly lines: string[];
}

function fixture(): { objects: string; unboundData: string[]; mixes: Mix[] } {
  const docs: string[] = ['apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}'];
  const data: string[] = [];
  const ipOf = (i: number): string => `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  for (let i = 0; i < IMPORTS; i++) {
    docs.push(`apiVersion: multicluster.x-k8s.io/v1alpha1\nkind: ServiceImport\nmetadata: {name: svc${i}, namespace: bench}\nspec: {type: ClusterSetIP, ips: [${ipOf(i)}], ports: [{name: http, port: 80}]}`);
    data.push(`svc${i}.bench.svc.${Z}. 5 IN A ${ipOf(i)}`);
  }
  for (let i = 0; i < HEADLESS; i++) {
    docs.push(`apiVersion: multicluster.x-k8s.io/v1alpha1\nkind: ServiceImport\nmetadata: {name: hl${i}, namespace: bench}\nspec: {type: Headless}`);
    const eps: string[] = [];
    for (let e = 0; e < ENDPOINTS; e++) {
      const ip = `10.${100 + Math.floor(i / 250)}.${i % 250}.${e + 1}`;
      eps.push(`  - {addresses: [${ip}], hostname: pod-${e}}`);
      data.push(`hl${i}.bench.svc.${Z}. 5 IN A ${ip}`);
    }
    docs.push(
      `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: hl${i}-a\n  namespace: bench\n  labels: {multicluster.kubernetes.io/service-name: hl${i}, multicluster.kubernetes.io/source-cluster: east}\naddressType: IPv4\nendpoints:\n${eps.join('\n')}`,
    );
  }
  const mixes: Mix[] = [
    { name: 'ClusterSetIP A', lines: Array.from({ length: IMPORTS }, (_, i) => `svc${i}.bench.svc.${Z} A`) },
    { name: 'headless A', lines: Array.from({ length: HEADLESS }, (_, i) => `hl${i}.bench.svc.${Z} A`) },
    { name: 'NXDOMAIN', lines: Array.from({ length: IMPORTS }, (_, i) => `missing${i}.bench.svc.${Z} A`) },
  ];
  return { objects: docs.join('\n---\n') + '\n', unboundData: data, mixes };
}

const fmt = formatPerf;

export async function main(): Promise<void> {
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
  // Enough queries in flight to keep either server busy (both get the same load).
  const load = { clients: Number(process.env['BENCH_CLIENTS'] ?? 4), outstanding: Number(process.env['BENCH_OUTSTANDING'] ?? 200) };
  for (const cmd of ['dnsperf', 'dig']) {
    if (!(await hasCommand(cmd))) throw new Error(`${cmd} is needed: apt-get install dnsperf bind9-dnsutils`);
  }
  const useTaskset = await hasCommand('taskset');
  const withUnbound = await hasCommand('unbound');
  const dir = mkdtempSync(join(tmpdir(), 'csdns-bench-'));
  const { objects, unboundData, mixes } = fixture();
  writeFileSync(join(dir, 'objects.yaml'), objects);
  const ourPort = await freePort();
  writeFileSync(join(dir, 'Corefile'), `${Z}:${ourPort} {\n  bind 127.0.0.1\n  multicluster ${Z} {\n    objects objects.yaml\n  }\n}\n`);
  for (const m of mixes) writeFileSync(join(dir, `${m.name.replace(/\W+/g, '-')}.txt`), m.lines.join('\n') + '\n');

  const bin = fileURLToPath(new URL('../src/cli/clusterset-dns.js', import.meta.url));
  const ours = startPinned(0, process.execPath, [bin, '-conf', join(dir, 'Corefile')], useTaskset);
  let unbound = null;
  let unboundPort = 0;
  try {
    await waitForDns(ourPort, `svc0.bench.svc.${Z}`);
    if (withUnbound) {
      unboundPort = await freePort();
      writeFileSync(join(dir, 'unbound.conf'), unboundConf(dir, unboundPort, [`"${Z}." static`], unboundData));
      unbound = startPinned(0, 'unbound', ['-d', '-c', join(dir, 'unbound.conf')], useTaskset);
      await waitForDns(unboundPort, `svc0.bench.svc.${Z}`);
    }
    console.log(`clusterset-dns zone benchmark: ${IMPORTS} ClusterSetIP + ${HEADLESS} headless imports (${ENDPOINTS} endpoints), ${seconds}s per run`);
    console.log(`server pinned to core 0, dnsperf to core 1 (taskset ${useTaskset ? 'yes' : 'absent: unpinned'}); node ${process.version}`);
    for (const m of mixes) {
      const file = join(dir, `${m.name.replace(/\W+/g, '-')}.txt`);
      // Warm-up, then the measured run.
      await dnsperf({ port: ourPort, file, seconds: 1, core: 1, useTaskset });
      const r = await dnsperf({ port: ourPort, file, seconds, core: 1, useTaskset, ...load });
      let line = `${m.name.padEnd(16)} clusterset-dns ${fmt(r)}`;
      if (unbound !== null) {
        await dnsperf({ port: unboundPort, file, seconds: 1, core: 1, useTaskset });
        const u = await dnsperf({ port: unboundPort, file, seconds, core: 1, useTaskset, ...load });
        line += `\n${''.padEnd(16)} unbound        ${fmt(u)}\n${''.padEnd(16)} ratio          ${(r.qps / u.qps).toFixed(2)}x unbound`;
      }
      console.log(line);
    }
  } finally {
    await stopChild(ours);
    if (unbound !== null) await stopChild(unbound);
  }
}
