// `timeouts { read DUR; write DUR; idle DUR }`: the block's TCP read, write and idle timeouts, as
// CoreDNS's timeouts plugin has them (each 1s..24h, at least one given; the others keep their
// defaults, 3s, 5s and 10s). A block setting, not a chain plugin. CoreDNS's `max_queries` per
// connection is not implemented (an unknown option).

import { durationArg, expectArgs, forEachOption } from '../../corefile/args.js';
import { ConfigError, type Directive } from '../../corefile/types.js';
import type { TcpTimeouts } from '../../dns/transport/tcp-limits.js';
import type { PluginFactory } from '../setup-context.js';

const LIMITS = { min: 1000, max: 24 * 3600 * 1000 } as const;

export const timeoutsFactory: PluginFactory = {
  name: 'timeouts',
  setup(d, ctx) {
    expectArgs(d, 0, 0);
    const timeouts: { -readonly [K in keyof TcpTimeouts]?: number } = {};
    const option = (key: keyof TcpTimeouts, what: string) => (o: Directive) => {
      const [value] = expectArgs(o, 1, 1);
      timeouts[key] = durationArg(o, value!, { ...LIMITS, what });
    };
    forEachOption(d, { read: option('readMs', 'read timeout'), write: option('writeMs', 'write timeout'), idle: option('idleMs', 'idle timeout') });
    if (Object.keys(timeouts).length === 0) throw ConfigError.at(d, "'timeouts': a timeouts block with no timeouts specified");
    ctx.settings.timeouts = timeouts;
    return null;
  },
};
