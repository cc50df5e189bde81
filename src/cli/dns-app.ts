// The running clusterset-dns process: builds the blocks from the Corefile, serves them, re-reads
// the Corefile for `reload` and SIGUSR1 (a bad one keeps the running config), and shuts down
// gracefully (not ready, lameduck, stop accepting, drain, stop plugins).

import { readFile } from 'node:fs/promises';
import { loadCorefile } from '../corefile/load.js';
import { parseCorefile } from '../corefile/parse.js';
import { checkDuplicateKeys } from '../corefile/validate-keys.js';
import { DnsServer, type ServerOptions } from '../dns/server.js';
import type { ServerBlockRuntime } from '../dns/server-block.js';
import type { Operations } from '../ops/operations.js';
import { combineReloadSettings, type ReloadSettings } from '../ops/reload-settings.js';
import { ReloadWatcher } from '../ops/reload-watcher.js';
import { gracefulShutdown } from '../ops/shutdown.js';
import type { Runtime } from '../plugins/setup-context.js';
import { buildBlocks } from './build-blocks.js';
import { createObserver } from './observer.js';

export interface DnsAppOptions {
  readonly corefilePath: string;
  readonly dnsPort: number;
  readonly runtime: Runtime & { readonly ops: Operations };
  readonly server?: ServerOptions;
}

export class DnsApp {
  readonly #opts: DnsAppOptions;
  readonly #server: DnsServer;
  readonly #watcher: ReloadWatcher;
  readonly #initialText: string;

  /** Reads and validates the Corefile and sets up every plugin; binds nothing (ConfigError on bad config). */
  constructor(opts: DnsAppOptions, initialText: string) {
    this.#opts = opts;
    this.#initialText = initialText;
    const blocks = buildBlocks(loadCorefile(opts.corefilePath, opts.runtime.env, opts.dnsPort), {
      corefilePath: opts.corefilePath,
      dnsPort: opts.dnsPort,
      runtime: opts.runtime,
    });
    this.#server = new DnsServer(blocks, createObserver(opts.runtime.metrics), opts.runtime.logger, opts.server ?? {});
    this.#watcher = new ReloadWatcher({
      read: () => readFile(opts.corefilePath, 'utf8'),
      apply: (text) => this.#apply(text),
      logger: opts.runtime.logger.child({ component: 'reload' }),
      registry: opts.runtime.metrics,
    });
  }

  get server(): DnsServer {
    return this.#server;
  }

  async start(): Promise<void> {
    await this.#server.start();
    this.#watcher.start(this.#initialText, combineReloadSettings(this.#server.blocks));
  }

  #build(text: string): ServerBlockRuntime[] {
    const { corefilePath, dnsPort, runtime } = this.#opts;
    const parsed = parseCorefile(text, { file: corefilePath, env: runtime.env });
    checkDuplicateKeys(parsed, dnsPort);
    return buildBlocks(parsed, { corefilePath, dnsPort, runtime });
  }

  async #apply(text: string): Promise<ReloadSettings | null> {
    const blocks = this.#build(text);
    await this.#server.replaceBlocks(blocks);
    return combineReloadSettings(blocks);
  }

  /** SIGUSR1: re-read and apply now, changed or not. */
  reloadNow(): Promise<unknown> {
    return this.#watcher.reloadNow();
  }

  async shutdown(): Promise<void> {
    const { runtime } = this.#opts;
    await gracefulShutdown({
      lifecycle: runtime.ops.lifecycle,
      logger: runtime.logger,
      stopServer: () => this.#server.stop(),
      stopServices: async () => {
        this.#watcher.stop();
        await runtime.ops.http.stop();
      },
    });
  }
}
