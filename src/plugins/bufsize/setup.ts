// `bufsize [SIZE]`: the EDNS UDP payload size this block advertises and answers within,
// 512..4096, 1232 when omitted (CoreDNS's default). A block setting, not a chain plugin.

import { expectArgs, intArg, noBlock } from '../../corefile/args.js';
import { DEFAULT_BUFSIZE } from '../../dns/constants.js';
import type { PluginFactory } from '../setup-context.js';

export const bufsizeFactory: PluginFactory = {
  name: 'bufsize',
  setup(d, ctx) {
    noBlock(d);
    const [size] = expectArgs(d, 0, 1);
    ctx.settings.bufsize = size === undefined ? DEFAULT_BUFSIZE : intArg(d, size, { min: 512, max: 4096, what: 'buffer size' });
    return null;
  },
};
