// Some plugins need to know the other plugins of their server block: `ready` collects the ones
// that report readiness, `prometheus` publishes coredns_plugin_enabled. setup() sees only its own
// directive, so whoever composes a block's chain announces the finished list once.

import type { Plugin } from '../plugins/plugin.js';

export interface ChainObserver {
  /** Called once with every plugin of the block (this one included), in chain order. */
  observeChain(plugins: readonly Plugin[]): void;
}

function isChainObserver(p: Plugin): p is Plugin & ChainObserver {
  return typeof (p as Partial<ChainObserver>).observeChain === 'function';
}

/** Tells every plugin of a block that wants to know which plugins the block has. */
export function announceChain(plugins: readonly Plugin[]): void {
  for (const p of plugins) if (isChainObserver(p)) p.observeChain(plugins);
}
