#!/usr/bin/env node
// Entry point of the DNS server: parse flags, load and validate the Corefile (a config error is
// printed as FILE:LINE: message and exits 1 before any socket is bound), build the blocks, serve.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadCorefile } from '../corefile/load.js';
import { ConfigError } from '../corefile/types.js';
import { DnsServer } from '../dns/server.js';
import { availableDirectives } from '../plugins/registry.js';
import { systemClock, type Runtime } from '../plugins/setup-context.js';
import { parseArgs, UsageError } from './args.js';
import { buildBlocks } from './build-blocks.js';
import { createObserver } from './observer.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\nUsage: clusterset-dns -conf FILE [-dns.port N] [-version] [-plugins]\n`);
      return 2;
    }
    throw e;
  }
  if (args.version) {
    process.stdout.write(`clusterset-dns-${version()}\nnode-${process.version}\n`);
    return 0;
  }
  if (args.plugins) {
    process.stdout.write(`Server types:\n  dns\n\nCaddyfile loaders:\n  flag\n\nOther plugins:\n${availableDirectives().map((d) => `  dns.${d}`).join('\n')}\n`);
    return 0;
  }
  const logger = pino({ base: { app: 'clusterset-dns' } });
  const runtime: Runtime = { logger, metrics: new Registry(), clock: systemClock, env: process.env };
  const corefilePath = resolve(args.conf);
  let server: DnsServer;
  try {
    const parsed = loadCorefile(corefilePath, process.env, args.dnsPort);
    const blocks = buildBlocks(parsed, { corefilePath, dnsPort: args.dnsPort, runtime });
    server = new DnsServer(blocks, createObserver(runtime.metrics), logger, { reusePort: true });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    await server.start();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    await server.stop(0).catch(() => undefined);
    return 1;
  }
  await new Promise<void>((done) => {
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      server.stop().then(done, done);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
