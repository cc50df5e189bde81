// Registers the `forward` directive: validated config in, a ForwardPlugin wired to the process's
// logger, clock and metrics registry out.

import type { PluginFactory } from '../setup-context.js';
import { parseForward } from './config.js';
import { ForwardPlugin } from './forward-plugin.js';
import { ForwardMetrics } from './metrics.js';

export const forwardFactory: PluginFactory = {
  name: 'forward',
  setup(directive, ctx) {
    const config = parseForward(directive, ctx.configDir);
    return new ForwardPlugin(config, {
      logger: ctx.runtime.logger.child({ plugin: 'forward' }),
      clock: ctx.runtime.clock,
      metrics: new ForwardMetrics(ctx.runtime.metrics),
    });
  },
};
