// `bind ADDR...`: the addresses a server block listens on (IPv4 or IPv6 literals).

import { isIP } from 'node:net';
import { expectArgs, noBlock } from '../../corefile/args.js';
import { ConfigError } from '../../corefile/types.js';
import type { PluginFactory } from '../setup-context.js';

export const bindFactory: PluginFactory = {
  name: 'bind',
  setup(d, ctx) {
    noBlock(d);
    for (const a of expectArgs(d, 1, Infinity)) {
      if (isIP(a) === 0) throw ConfigError.at(d, `'bind': '${a}' is not an IP address (interface names are not supported)`);
      if (!ctx.settings.bind.includes(a)) ctx.settings.bind.push(a);
    }
    return null;
  },
};
