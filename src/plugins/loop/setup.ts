// Registers the `loop` directive (no arguments). The probe goes to the block's first bind address
// (loopback when it listens on all interfaces) and port, read when the probe is sent.

import { expectArgs, noBlock } from '../../corefile/args.js';
import type { PluginFactory } from '../setup-context.js';
import { LoopPlugin } from './loop-plugin.js';

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

export const loopFactory: PluginFactory = {
  name: 'loop',
  setup(directive, ctx) {
    expectArgs(directive, 0, 0);
    noBlock(directive);
    return new LoopPlugin({
      logger: ctx.runtime.logger.child({ plugin: 'loop' }),
      clock: ctx.runtime.clock,
      zone: ctx.zones[0] ?? '.',
      zones: ctx.zones,
      target: () => {
        const bound = ctx.settings.bind[0];
        const address = bound === undefined || WILDCARDS.has(bound) ? (bound === '::' ? '::1' : '127.0.0.1') : bound;
        return { address, port: ctx.port };
      },
    });
  },
};
