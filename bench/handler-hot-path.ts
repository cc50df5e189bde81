// In-process cost of one query through the real packet handler (read, route, chain, write), per
// answer kind, without sockets: the part of a query clusterset-dns itself controls.
// BENCH_HOT_DIRECTIVES (one per `;`, e.g. "log" or "prometheus 127.0.0.1:0;log") builds a second
// handler whose block also has those directives and runs the two in alternating rounds, so that
// what the directives cost per query is a difference measured under the same machine drift; the
// query log goes to /dev/null through a synchronous destination, as the CLI writes stdout.
//
// Queries are handled in chunks of CHUNK with a pause between chunks that is not timed: the
// query log's lines are made by a worker thread, and here queries come far faster than any server
// takes them, so without pauses the worker would fall behind, the ring fill, and the figure be the
// worker's speed rather than what a logged query costs the main thread.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import dnsPacket from 'dns-packet';
import { buildBlocks } from '../src/cli/build-blocks.js';
import { loadCorefile } from '../src/corefile/load.js';
import { PacketHandler, type PacketMeta } from '../src/dns/packet-handler.js';
import { ZoneRouter } from '../src/dns/router.js';
import { createOperations } from '../src/ops/create-operations.js';
import { systemClock } from '../src/plugins/setup-context.js';

const Z = 'clusterset.local';

function objects(): string {
  const docs = ['apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}'];
  for (let i = 0; i < 100; i++) {
    docs.push(`apiVersion: multicluster.x-k8s.io/v1alpha1\nkind: ServiceImport\nmetadata: {name: svc${i}, namespace: bench}\nspec: {type: ClusterSetIP, ips: [10.96.0.${i + 1}], ports: [{name: http, port: 80}]}`);
    docs.push(`apiVersion: multicluster.x-k8s.io/v1alpha1\nkind: ServiceImport\nmetadata: {name: hl${i}, namespace: bench}\nspec: {type: Headless}`);
    docs.push(
      `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: hl${i}-a\n  namespace: bench\n  labels: {multicluster.kubernetes.io/service-name: hl${i}, multicluster.kubernetes.io/source-cluster: east}\naddressType: IPv4\nendpoints:\n` +
        [1, 2, 3, 4, 5].map((e) => `  - {addresses: [10.100.${i}.${e}]}`).join('\n'),
    );
  }
  return docs.join('\n---\n');
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'csdns-hot-'));
  writeFileSync(join(dir, 'objects.yaml'), objects());
  const extra = (process.env['BENCH_HOT_DIRECTIVES'] ?? '').split(';').map((d) => d.trim()).filter((d) => d !== '');
  const logger = pino({ base: { app: 'clusterset-dns' } }, pino.destination({ dest: '/dev/null', sync: true }));
  const metrics = new Registry();
  const ops = createOperations({ logger, registry: metrics, build: { version: 'bench', revision: 'bench' }, processMetrics: false });
  const runtime = { logger, metrics, clock: systemClock, env: {}, ops };
  const handlerWith = async (directives: readonly string[], name: string): Promise<{ handler: PacketHandler; stop: () => Promise<void> }> => {
    const corefile = join(dir, name);
    writeFileSync(corefile, `${Z}:53 {\n${directives.map((d) => `  ${d}\n`).join('')}  multicluster {\n    objects objects.yaml\n  }\n}\n`);
    const blocks = buildBlocks(loadCorefile(corefile, {}, 53), { corefilePath: corefile, dnsPort: 53, runtime });
    for (const b of blocks) for (const p of b.plugins) await p.start?.();
    return {
      handler: new PacketHandler(new ZoneRouter(blocks), { dropped: () => undefined, panicked: () => undefined }, logger, 'dns://:53'),
      stop: async () => {
        for (const b of blocks) for (const p of b.plugins) await p.stop?.();
      },
    };
  };
  const variants = [{ label: 'plain', ...(await handlerWith([], 'Corefile.plain')) }];
  if (extra.length > 0) variants.push({ label: extra.join('; '), ...(await handlerWith(extra, 'Corefile.extra')) });
  const meta: PacketMeta = { proto: 'udp', family: 4, remoteAddress: '127.0.0.1', remotePort: 5353 };
  const q = (name: string, type: string): Buffer =>
    dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as dnsPacket.RecordType }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] });
  // 100 distinct questions per case, each packet a fresh copy (as datagrams arrive), so that
  // caches and branch predictors see what a real mix gives them.
  const many = (f: (i: number) => Buffer): Buffer[] => Array.from({ length: 100 }, (_, i) => f(i));
  const cases: [string, Buffer[]][] = [
    ['ClusterSetIP A', many((i) => q(`svc${i}.bench.svc.${Z}`, 'A'))],
    ['headless A (5)', many((i) => q(`hl${i}.bench.svc.${Z}`, 'A'))],
    ['SRV', many((i) => q(`_http._tcp.svc${i}.bench.svc.${Z}`, 'SRV'))],
    ['NXDOMAIN', many((i) => q(`missing${i}.bench.svc.${Z}`, 'A'))],
    ['REFUSED', many((i) => q(`host${i}.example.com`, 'A'))],
  ];
  const rounds = Number(process.env['BENCH_HOT_ROUNDS'] ?? 5);
  const perRound = 100_000;
  console.log(`handler hot path, node ${process.version} (in-process, no sockets), median of ${rounds} alternating rounds of ${perRound} queries`);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const CHUNK = 1000;
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 6));
  for (const [name, pkts] of cases) {
    const run = async (handler: PacketHandler, n: number): Promise<number> => {
      let ns = 0;
      for (let done = 0; done < n; done += CHUNK) {
        const t = process.hrtime.bigint();
        for (let i = done; i < done + CHUNK; i++) handler.handle(Buffer.from(pkts[i % pkts.length]!), meta);
        ns += Number(process.hrtime.bigint() - t);
        await pause();
      }
      return ns / n;
    };
    const ns: number[][] = [];
    for (const v of variants) {
      await run(v.handler, 20 * CHUNK);
      ns.push([]);
    }
    for (let r = 0; r < rounds; r++) for (const [k, v] of variants.entries()) ns[k]!.push(await run(v.handler, perRound));
    const plain = median(ns[0]!);
    let line = `${name.padEnd(16)} ${plain.toFixed(0).padStart(6)} ns/query  ${(1e9 / plain / 1000).toFixed(0)}k queries/s per core`;
    if (variants.length > 1) {
      const withExtra = median(ns[1]!);
      line += `  | with ${variants[1]!.label}: ${withExtra.toFixed(0)} ns/query (+${(withExtra - plain).toFixed(0)} ns)`;
    }
    console.log(line);
  }
  for (const v of variants) await v.stop();
}
