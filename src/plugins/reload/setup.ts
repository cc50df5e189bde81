// `reload [INTERVAL] [JITTER]` (CoreDNS: defaults 30s and 15s, INTERVAL >= 2s, JITTER 0 or >= 1s
// and at most INTERVAL/2). Records the settings on the block; ops/reload-watcher.ts does the work.

import { durationArg, expectArgs, noBlock } from '../../corefile/args.js';
import { ConfigError } from '../../corefile/types.js';
import { DEFAULT_RELOAD, MIN_RELOAD_INTERVAL_MS, MIN_RELOAD_JITTER_MS } from '../../ops/reload-settings.js';
import type { PluginFactory } from '../setup-context.js';

export const reloadFactory: PluginFactory = {
  name: 'reload',
  setup(d, ctx) {
    noBlock(d);
    const [interval, jitter] = expectArgs(d, 0, 2);
    const intervalMs =
      interval === undefined ? DEFAULT_RELOAD.intervalMs : durationArg(d, interval, { what: 'interval', min: MIN_RELOAD_INTERVAL_MS });
    let jitterMs = jitter === undefined ? DEFAULT_RELOAD.jitterMs : durationArg(d, jitter, { what: 'jitter' });
    if (jitterMs !== 0 && jitterMs < MIN_RELOAD_JITTER_MS) {
      throw ConfigError.at(d, `'reload': jitter ${jitter} must be 0 or at least 1s`);
    }
    if (jitterMs > intervalMs / 2) jitterMs = intervalMs / 2;
    ctx.settings.reload = { intervalMs, jitterMs };
    return null;
  },
};
