// Every directive we implement, and the one order plugins run in whatever order a Corefile lists
// them (CoreDNS's plugin.cfg order, restricted to what exists here; multicluster sits where
// CoreDNS's kubernetes plugin sits).

import type { PluginFactory } from './setup-context.js';
import { bindFactory } from './bind/setup.js';
import { bufsizeFactory } from './bufsize/setup.js';
import { cacheFactory } from './cache/setup.js';
import { errorsFactory } from './errors/setup.js';
import { forwardFactory } from './forward/setup.js';
import { healthFactory } from './health/setup.js';
import { loadbalanceFactory } from './loadbalance/setup.js';
import { logFactory } from './log/setup.js';
import { loopFactory } from './loop/setup.js';
import { multiclusterFactory } from './multicluster/setup.js';
import { prometheusFactory } from './prometheus/setup.js';
import { readyFactory } from './ready/setup.js';
import { reloadFactory } from './reload/setup.js';
import { timeoutsFactory } from './timeouts/setup.js';

export const PLUGIN_ORDER = [
  'timeouts',
  'reload',
  'bufsize',
  'bind',
  'ready',
  'health',
  'prometheus',
  'errors',
  'log',
  'loadbalance',
  'cache',
  'multicluster',
  'loop',
  'forward',
] as const;

const factories: readonly PluginFactory[] = [
  bindFactory,
  bufsizeFactory,
  cacheFactory,
  errorsFactory,
  forwardFactory,
  healthFactory,
  loadbalanceFactory,
  logFactory,
  loopFactory,
  multiclusterFactory,
  prometheusFactory,
  readyFactory,
  reloadFactory,
  timeoutsFactory,
];

export const FACTORIES: ReadonlyMap<string, PluginFactory> = new Map(factories.map((f) => [f.name, f]));

/** Directives that exist, in run order (what `-plugins` lists). */
export function availableDirectives(): string[] {
  return PLUGIN_ORDER.filter((n) => FACTORIES.has(n));
}

export function orderOf(name: string): number {
  return (PLUGIN_ORDER as readonly string[]).indexOf(name);
}
