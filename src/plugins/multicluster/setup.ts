// Registers `multicluster`: parses its options and builds the plugin around the object source
// the options name (objects file, kubeconfig, or in-cluster config).

import type { PluginFactory } from '../setup-context.js';
import { MulticlusterPlugin } from './plugin.js';
import { parseMulticluster } from './options.js';
import { createObjectSource } from './source-factory.js';

export const multiclusterFactory: PluginFactory = {
  name: 'multicluster',
  setup(directive, ctx) {
    const options = parseMulticluster(directive, ctx.zones, ctx.configDir);
    const logger = ctx.runtime.logger.child({ plugin: 'multicluster' });
    const source = createObjectSource(options, directive, { logger, runtime: ctx.runtime });
    return new MulticlusterPlugin(options, source, logger, ctx.runtime.clock.now());
  },
};
