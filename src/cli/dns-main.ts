// The DNS server's program, started by the `clusterset-dns` bin (clusterset-dns.ts, which checks
// the runtime first): parse flags, load and validate the Corefile (a config error is printed as
// FILE:LINE: message and exits 1 before any socket is bound), build the process-wide services,
// serve, and answer SIGTERM/SIGINT (graceful shutdown) and SIGUSR1 (reload).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ConfigError } from '../corefile/types.js';
import { createOperations } from '../ops/create-operations.js';
import { IdleHeapTrim } from '../ops/idle-heap-trim.js';
import { installSignalHandlers } from '../ops/signals.js';
import { availableDirectives } from '../plugins/registry.js';
import { systemClock } from '../plugins/setup-context.js';
import { parseArgs, UsageError } from './args.js';
import { DnsApp } from './dns-app.js';

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
  // Synchronous stdout, as CoreDNS writes its log: pino's default asynchronous destination costs
  // several times more per line when lines come one per query (bench/metrics-overhead.ts).
  const logger = pino({ base: { app: 'clusterset-dns' } }, pino.destination({ dest: 1, sync: true }));
  const metrics = new Registry();
  const ops = createOperations({ logger, registry: metrics, build: { version: version(), revision: process.env['CLUSTERSET_DNS_REVISION'] ?? 'dev' } });
  const runtime = { logger, metrics, clock: systemClock, env: process.env, ops };
  const corefilePath = resolve(args.conf);
  let app: DnsApp;
  try {
    app = new DnsApp({ corefilePath, dnsPort: args.dnsPort, runtime, server: { reusePort: true } }, readFileSync(corefilePath, 'utf8'));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    if ((e as NodeJS.ErrnoException).code !== undefined) {
      process.stderr.write(`${corefilePath}:0: cannot read Corefile: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
  // Signal handlers go in before anything listens: a SIGTERM that arrives while the server starts
  // (an orchestrator's quick rollback, a test that saw the first listener) waits for the start to
  // settle and then shuts down gracefully, instead of killing the process.
  const starting = app.start();
  const exited = new Promise<number>((done) => {
    installSignalHandlers(process, {
      logger,
      onReload: () => starting.then(() => app.reloadNow()),
      onShutdown: async () => {
        await starting.catch(() => undefined);
        await app.shutdown();
        done(0);
      },
    });
  });
  try {
    await starting;
  } catch (e) {
    process.stderr.write(`start-up failed: ${(e as Error).message}\n`);
    await app.server.stop(0).catch(() => undefined);
    await ops.http.stop().catch(() => undefined);
    return 1;
  }
  // Memory a burst of load left behind goes back once the server is quiet (its timer is unref'd).
  const idleTrim = new IdleHeapTrim({ logger });
  idleTrim.start();
  const code = await exited;
  idleTrim.stop();
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
