// Builds the real server blocks from a Corefile and an objects file in a temp dir and answers
// queries through the real packet handler (no sockets), or starts the real DnsServer on loopback.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { buildBlocks } from '../../src/cli/build-blocks.js';
import { createObserver } from '../../src/cli/observer.js';
import { loadCorefile } from '../../src/corefile/load.js';
import { PacketHandler, type PacketMeta } from '../../src/dns/packet-handler.js';
import { ZoneRouter } from '../../src/dns/router.js';
import type { ServerBlockRuntime } from '../../src/dns/server-block.js';
import { DnsServer, type ServerOptions } from '../../src/dns/server.js';
import { serverLabel } from '../../src/dns/server-label.js';
import { systemClock, type Runtime } from '../../src/plugins/setup-context.js';
import { createOperations } from '../../src/ops/create-operations.js';
import { decode, encodeQuery, type Decoded, type QueryOptions } from './dns-format.js';

export const silentLogger: Logger = pino({ level: 'silent' });

export interface Harness {
  readonly dir: string;
  readonly blocks: readonly ServerBlockRuntime[];
  readonly runtime: Runtime;
  /** Query through the handler; `proto` decides the size limit. */
  ask(name: string, type: string, opts?: QueryOptions & { proto?: 'udp' | 'tcp' }): Promise<Decoded>;
  raw(packet: Uint8Array, proto?: 'udp' | 'tcp'): Promise<Uint8Array | null>;
  start(): Promise<void>;
  /** Starts the real DnsServer (UDP+TCP) on 127.0.0.1 with a free port; returns the port. */
  serve(options?: ServerOptions): Promise<number>;
  stop(): Promise<void>;
}

export interface HarnessFiles {
  readonly corefile: string;
  /** Extra files written beside the Corefile (e.g. objects.yaml). */
  readonly files?: Readonly<Record<string, string>>;
  readonly dnsPort?: number;
  readonly logger?: Logger;
  /** Runtime fields to use instead of the defaults (env, Kubernetes informer timings). */
  readonly runtime?: Partial<Pick<Runtime, 'env' | 'kubernetesInformer'>>;
}

export function writeFiles(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'csdns-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function makeHarness(spec: HarnessFiles): Harness {
  const dir = writeFiles({ Corefile: spec.corefile, ...spec.files });
  const corefilePath = join(dir, 'Corefile');
  const dnsPort = spec.dnsPort ?? 0;
  const logger = spec.logger ?? silentLogger;
  const metrics = new Registry();
  const ops = createOperations({ logger, registry: metrics, build: { version: 'test', revision: 'test' }, processMetrics: false });
  const runtime: Runtime = { logger, metrics, clock: systemClock, env: {}, ops, ...spec.runtime };
  const blocks = buildBlocks(loadCorefile(corefilePath, {}, dnsPort), { corefilePath, dnsPort, runtime });
  const observer = createObserver(runtime.metrics);
  const handlers = new Map<number, PacketHandler>();
  for (const plan of DnsServer.listenPlan(blocks)) {
    handlers.set(plan.port, new PacketHandler(new ZoneRouter(plan.blocks), observer, runtime.logger, serverLabel(plan.address, plan.port)));
  }
  const handler = [...handlers.values()][0]!;
  const raw = async (packet: Uint8Array, proto: 'udp' | 'tcp' = 'udp'): Promise<Uint8Array | null> => {
    const meta: PacketMeta = { proto, family: 4, remoteAddress: '127.0.0.1', remotePort: 5353 };
    return await handler.handle(packet, meta);
  };
  let started = false;
  let server: DnsServer | null = null;
  return {
    dir,
    blocks,
    runtime,
    raw,
    async ask(name, type, opts = {}) {
      const out = await raw(encodeQuery(name, type, opts), opts.proto ?? 'udp');
      if (out === null) throw new Error('query was dropped');
      return decode(out);
    },
    async start() {
      started = true;
      for (const b of blocks) for (const p of b.plugins) await p.start?.();
    },
    async serve(options = {}) {
      const local = blocks.map((b) => ({ ...b, bind: ['127.0.0.1'] }));
      server = new DnsServer(local, observer, runtime.logger, options);
      started = true;
      await server.start();
      return server.addresses()[0]!.port;
    },
    async stop() {
      if (!started) return;
      if (server !== null) {
        await server.stop(100);
        await ops.http.stop();
        return;
      }
      for (const b of blocks) for (const p of b.plugins) await p.stop?.();
      await ops.http.stop();
    },
  };
}
