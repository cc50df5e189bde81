// In-process cost of one query through the real packet handler (read, route, chain, write), per
// answer kind, without sockets: the part of a query clusterset-dns itself controls.
// BENCH_HOT_DIRECTIVES adds directives to the block, one per `;` (e.g. "log" or
// "prometheus 127.0.0.1:0;log"), to see what each costs per query; the log goes to /dev/null.

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
  writeFileSync(join(dir, 'Corefile'), `${Z}:53 {\n${extra.map((d) => `  ${d}\n`).join('')}  multicluster {\n    objects objects.yaml\n  }\n}\n`);
  // As the CLI makes it (synchronous writes), into /dev/null: what a logged query costs to build and write.
  const logger = extra.length > 0 ? pino({ base: { app: 'clusterset-dns' } }, pino.destination({ dest: '/dev/null', sync: true })) : pino({ level: 'silent' });
  const metrics = new Registry();
  const ops = createOperations({ logger, registry: metrics, build: { version: 'bench', revision: 'bench' }, processMetrics: false });
  const runtime = { logger, metrics, clock: systemClock, env: {}, ops };
  const blocks = buildBlocks(loadCorefile(join(dir, 'Corefile'), {}, 53), { corefilePath: join(dir, 'Corefile'), dnsPort: 53, runtime });
  for (const b of blocks) for (const p of b.plugins) await p.start?.();
  const handler = new PacketHandler(new ZoneRouter(blocks), { dropped: () => undefined, panicked: () => undefined }, logger, 'dns://:53');
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
  console.log(`handler hot path, node ${process.version} (in-process, no sockets)${extra.length > 0 ? `, with ${extra.join('; ')}` : ''}`);
  for (const [name, pkts] of cases) {
    const run = (n: number): void => {
      for (let i = 0; i < n; i++) handler.handle(Buffer.from(pkts[i % pkts.length]!), meta);
    };
    run(100_000);
    const n = 1_000_000;
    const t = process.hrtime.bigint();
    run(n);
    const ns = Number(process.hrtime.bigint() - t) / n;
    console.log(`${name.padEnd(16)} ${ns.toFixed(0).padStart(6)} ns/query  ${(1e9 / ns / 1000).toFixed(0)}k queries/s per core`);
  }
  for (const b of blocks) for (const p of b.plugins) await p.stop?.();
}
