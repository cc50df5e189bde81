// Registers the `cache` directive: validated config in, a CachePlugin wired to the process's
// logger, clock and metrics registry out.

import { serverLabels } from '../../dns/server-label.js';
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
      // Per-query metrics carry the listener's label; the size gauges, not tied to a query, the first one.
      server: serverLabels(ctx.settings.bind, ctx.port)[0]!,
    });
  },
};
