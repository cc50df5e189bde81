// What a directive's setup function is given: the directive with its file/line, the server block
// it sits in, and the process-wide services main.ts built (no globals anywhere else).

import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Directive, ServerBlock } from '../corefile/types.js';
import type { Plugin } from './plugin.js';
import type { Operations } from '../ops/operations.js';
import type { ReloadSettings } from '../ops/reload-settings.js';
import type { KubernetesInformerTuning } from '../sources/kubernetes-source.js';
import type { TcpTimeouts } from '../dns/transport/tcp-limits.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Per-query plugins (log, prometheus) read it twice a query: performance.now() makes no BigInt,
  // which cost a sixth of the log plugin's time with process.hrtime.bigint(). Imported from
  // perf_hooks: the global `performance` is a lazy accessor, about 400 instructions a read.
  monotonic: () => performance.now(),
};

/** Process-wide services shared by every block; built once in main.ts. */
export interface Runtime {
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly clock: Clock;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Operations services (HTTP endpoints, readiness, lameduck, DNS metrics) from
   * ops/create-operations.ts; health, ready and prometheus need them. */
  readonly ops?: Operations;
  /** Informer timings for Kubernetes API sources (tests shorten backoff and idle detection). */
  readonly kubernetesInformer?: KubernetesInformerTuning;
}

/** Settings of a server block that directives (bind, bufsize, reload, timeouts) change rather than adding a plugin. */
export interface BlockSettings {
  /** Listen addresses; empty means all interfaces (CoreDNS's default). */
  bind: string[];
  /** Our EDNS UDP payload size (bufsize), 512..4096, default 1232. */
  bufsize: number;
  /** Set by `reload`: how often to re-read the Corefile (ops/reload-watcher.ts). */
  reload?: ReloadSettings;
  /** Set by `timeouts`: the block's TCP read, write and idle timeouts. */
  timeouts?: Partial<TcpTimeouts>;
}

export interface SetupContext {
  readonly block: ServerBlock;
  /** The block's zones (lower case, trailing dot), from its keys. */
  readonly zones: readonly string[];
  /** The port the block listens on (key port or -dns.port). */
  readonly port: number;
  /** Directory of the Corefile, for relative paths. */
  readonly configDir: string;
  readonly runtime: Runtime;
  readonly settings: BlockSettings;
}

export interface PluginFactory {
  readonly name: string;
  /** The directive may appear several times in a block, each a plugin of its own (`forward`). */
  readonly repeatable?: boolean;
  /**
   * Validates the directive (throwing ConfigError with its file and line) and returns the plugin
   * for the chain, or null for directives that only change block settings.
   */
  setup(directive: Directive, ctx: SetupContext): Plugin | null;
}
