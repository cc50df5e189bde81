// BENCH=objects-file: loading a 20,000-import objects file (each import with an EndpointSlice,
// about 11 MB of YAML) without holding up the event loop.
//   1. In process: ObjectsFileSource's first load and a reload to a different 20,000-import file,
//      timed, with the longest event-loop stall over each (a 1 ms timer's longest gap, and
//      perf_hooks' event-loop delay maximum).
//   2. The built program (dist/src/cli/clusterset-dns.js) on the same file: /health polled every
//      10 ms from this process through start-up and a reload, each probe's latency kept; and DNS
//      asked for an old name during the reload (old data must answer until the new is complete).
// BENCH_IMPORTS sets the number of imports (default 20000).

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { ObjectsFileSource } from '../src/sources/objects-file.js';
import { manyImportsYaml } from '../test/support/many-imports.js';
import { freePorts, udpQuery } from '../test/ops-e2e/live-server.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Longest gap between 1 ms timer ticks while `work` runs, and the loop-delay histogram's maximum. */
async function stallsDuring<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; maxGapMs: number; maxDelayMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  try {
    const result = await work();
    return { result, ms: performance.now() - started, maxGapMs: maxGap, maxDelayMs: h.max / 1e6 };
  } finally {
    clearInterval(timer);
    h.disable();
  }
}

async function inProcess(dir: string, n: number): Promise<void> {
  const path = join(dir, 'objects.yaml');
  writeFileSync(path, manyImportsYaml(n, 'a', 10));
  const source = new ObjectsFileSource({ path, logger: pino({ level: 'silent' }), pollIntervalMs: 50 });
  const first = await stallsDuring(() => source.start());
  console.log(`  first load:  ${(first.ms / 1000).toFixed(2)} s, ${source.current().imports.size} imports; longest stall ${first.maxGapMs.toFixed(1)} ms (loop delay max ${first.maxDelayMs.toFixed(1)} ms)`);
  const reload = await stallsDuring(async () => {
    writeFileSync(path, manyImportsYaml(n, 'b', 11));
    while (![...source.current().imports.keys()].some((k) => k.endsWith('/b0'))) await sleep(5);
  });
  console.log(`  reload:      ${(reload.ms / 1000).toFixed(2)} s from the write to the new snapshot; longest stall ${reload.maxGapMs.toFixed(1)} ms (loop delay max ${reload.maxDelayMs.toFixed(1)} ms)`);
  await source.stop();
}

function healthProbe(port: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function liveProgram(dir: string, n: number): Promise<void> {
  const bin = fileURLToPath(new URL('../src/cli/clusterset-dns.js', import.meta.url));
  const ports = await freePorts();
  const objects = join(dir, 'live-objects.yaml');
  writeFileSync(objects, manyImportsYaml(n, 'a', 10));
  writeFileSync(
    join(dir, 'Corefile'),
    `clusterset.local:${ports.dns} {\n  bind 127.0.0.1\n  health 127.0.0.1:${ports.health}\n  ready 127.0.0.1:${ports.ready}\n  multicluster {\n    objects ${objects}\n    startup_timeout 60s\n  }\n}\n`,
  );
  const child = spawn(process.execPath, [bin, '-conf', join(dir, 'Corefile')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const probes: { status: number; ms: number; phase: string }[] = [];
  let phase = 'start';
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const p = await healthProbe(ports.health);
      if (p.status !== 0 || phase !== 'start') probes.push({ ...p, phase });
      await sleep(10);
    }
  })();
  try {
    const started = performance.now();
    const name = `a0.ns0.svc.clusterset.local`;
    for (;;) {
      const r = await udpQuery(ports.dns, name, 'A', { timeoutMs: 200 }).catch(() => null);
      if (r?.rcode === 'NOERROR' && r.answer.length > 0) break;
      if (performance.now() - started > 120_000) throw new Error('the program did not serve the file in 120 s');
      await sleep(20);
    }
    console.log(`  program:     first answer ${((performance.now() - started) / 1000).toFixed(2)} s after spawn (process start included)`);
    phase = 'reload';
    const reloadStart = performance.now();
    writeFileSync(objects, manyImportsYaml(n, 'b', 11));
    let oldAnswers = 0;
    for (;;) {
      const r = await udpQuery(ports.dns, 'b0.ns0.svc.clusterset.local', 'A', { timeoutMs: 500 }).catch(() => null);
      if (r?.rcode === 'NOERROR' && r.answer.length > 0) break;
      const old = await udpQuery(ports.dns, name, 'A', { timeoutMs: 500 }).catch(() => null);
      if (old?.rcode === 'NOERROR' && old.answer.length > 0) oldAnswers++;
      else throw new Error(`the old data stopped answering during the reload: ${old?.rcode ?? 'no reply'}`);
      if (performance.now() - reloadStart > 120_000) throw new Error('reload not served in 120 s');
      await sleep(20);
    }
    console.log(`  program:     reload served ${((performance.now() - reloadStart) / 1000).toFixed(2)} s after the write; the old name answered all ${oldAnswers} times it was asked meanwhile`);
  } finally {
    polling = false;
    await poller;
    child.kill('SIGTERM');
  }
  for (const ph of ['start', 'reload']) {
    const ps = probes.filter((p) => p.phase === ph);
    const failed = ps.filter((p) => p.status !== 200).length;
    const worst = Math.max(...ps.map((p) => p.ms));
    const sorted = ps.map((p) => p.ms).sort((a, b) => a - b);
    console.log(`  /health (${ph}): ${ps.length} probes once listening, ${failed} not 200, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, slowest ${worst.toFixed(1)} ms`);
  }
}

export async function main(): Promise<void> {
  const n = Number(process.env['BENCH_IMPORTS'] ?? 20_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-objects-'));
  console.log(`objects file, ${n} imports + ${n} EndpointSlices (node ${process.version}):`);
  await inProcess(dir, n);
  await liveProgram(dir, n);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
