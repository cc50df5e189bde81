// Registers the `cache` directive: validated config in, a CachePlugin wired to the process's
// logger, clock and metrics registry out.

import type { PluginFactory } from '../setup-context.js';
import { CachePlugin } from './cache-plugin.js';
import { parseCache } from './config.js';
import { CacheMetrics } from './metrics.js';

export const cacheFactory: PluginFactory = {
  name: 'cache',
  setup(directive, ctx) {
    const config = parseCache(directive, ctx.zones);
    return new CachePlugin(config, {
      logger: ctx.runtime.logger.child({ plugin: 'cache' }),
      clock: ctx.runtime.clock,
      // CoreDNS labels cache metrics with the plugin's zones joined by commas.
      metrics: new CacheMetrics(ctx.runtime.metrics, config.zones.join(',')),
      server: `dns://:${ctx.port}`,
    });
  },
};
