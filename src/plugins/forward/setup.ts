// Registers the `forward` directive: validated config in, a ForwardPlugin wired to the process's
// logger, clock and metrics registry out. A block may hold several `forward`s; each is its own
// plugin, run in the order written (CoreDNS).

import type { PluginFactory } from '../setup-context.js';
import { parseForward } from './config.js';
import { ForwardPlugin } from './forward-plugin.js';
import { ForwardMetrics } from './metrics.js';

export const forwardFactory: PluginFactory = {
  name: 'forward',
  repeatable: true,
  setup(directive, ctx) {
    const config = parseForward(directive, ctx.configDir);
    const logger = ctx.runtime.logger.child({ plugin: 'forward' });
    if (config.fromZones.length > 1) {
      logger.warn(
        { file: directive.file, line: directive.line },
        `'${directive.args[0]}' expands to ${config.fromZones.length} zones; only '${config.from}' is forwarded (as CoreDNS does)`,
      );
    }
    return new ForwardPlugin(config, {
      logger,
      clock: ctx.runtime.clock,
      metrics: new ForwardMetrics(ctx.runtime.metrics),
      where: { file: directive.file, line: directive.line },
    });
  },
};
