// Signals, CoreDNS's way: SIGTERM or SIGINT starts one graceful shutdown (a repeat is logged and
// otherwise ignored), SIGUSR1 reloads the configuration. The process object is injected so that
// tests drive this with a plain EventEmitter.

import type { Logger } from 'pino';

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface SignalActions {
  onShutdown(signal: NodeJS.Signals): void | Promise<void>;
  onReload(): void | Promise<unknown>;
  readonly logger: Logger;
}

const TERMINATE: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Installs the handlers; returns the function that removes them. */
export function installSignalHandlers(source: SignalSource, actions: SignalActions): () => void {
  let shuttingDown = false;
  const log = actions.logger;
  const terminate = (signal: NodeJS.Signals) => (): void => {
    if (shuttingDown) {
      log.warn({ signal }, 'already shutting down');
      return;
    }
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    Promise.resolve()
      .then(() => actions.onShutdown(signal))
      .catch((err: unknown) => log.error({ err }, 'shutdown failed'));
  };
  const reload = (): void => {
    if (shuttingDown) {
      log.info({ signal: 'SIGUSR1' }, 'shutting down; reload ignored');
      return;
    }
    log.info({ signal: 'SIGUSR1' }, 'reloading');
    Promise.resolve()
      .then(() => actions.onReload())
      .catch((err: unknown) => log.error({ err }, 'reload failed'));
  };
  const installed: [NodeJS.Signals, () => void][] = [
    ...TERMINATE.map((s): [NodeJS.Signals, () => void] => [s, terminate(s)]),
    ['SIGUSR1', reload],
  ];
  for (const [s, fn] of installed) source.on(s, fn);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    for (const [s, fn] of installed) source.off(s, fn);
  };
}
