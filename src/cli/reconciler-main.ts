// The reconciler's program, started by the `clusterset-reconciler` bin (clusterset-reconciler.ts,
// which checks the runtime first). `clusterset-reconciler --config FILE`: loads and validates the
// config (a bad one exits 2 naming the field), builds logger and metrics registry, runs the
// reconciler until SIGTERM/SIGINT, then stops in order (releasing the leader Lease).

import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ReconcilerApp } from '../reconciler/app.js';
import { ConfigError, loadConfigFile } from '../reconciler/config.js';

const USAGE = 'usage: clusterset-reconciler --config FILE [--log-level info]';

function parseArgs(argv: readonly string[]): { config: string; logLevel: string } {
  let config = '';
  let logLevel = process.env['LOG_LEVEL'] ?? 'info';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new ConfigError('', `${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--config':
      case '-config':
      case '-c':
        config = value();
        break;
      case '--log-level':
        logLevel = value();
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new ConfigError('', `unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (config === '') throw new ConfigError('', `--config is required\n${USAGE}`);
  return { config, logLevel };
}

async function main(): Promise<void> {
  let args: { config: string; logLevel: string };
  let app: ReconcilerApp;
  const logger = pino({ name: 'clusterset-reconciler', level: process.env['LOG_LEVEL'] ?? 'info' });
  try {
    args = parseArgs(process.argv.slice(2));
    logger.level = args.logLevel;
    const config = loadConfigFile(args.config);
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    app = new ReconcilerApp({ config, logger, registry });
  } catch (err) {
    process.stderr.write(`clusterset-reconciler: ${(err as Error).message}\n`);
    process.exit(2);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await app.start();
  logger.info({ identity: app.identity, config: args.config }, 'clusterset-reconciler started');
}

main().catch((err: unknown) => {
  process.stderr.write(`clusterset-reconciler: ${String(err)}\n`);
  process.exit(1);
});
