// `loadbalance [round_robin]`. CoreDNS's `weighted` policy and `prefer` option are not
// implemented and are rejected, so that a Corefile never silently loses them.

import { expectArgs, forEachOption } from '../../corefile/args.js';
import { ConfigError } from '../../corefile/types.js';
import type { PluginFactory } from '../setup-context.js';
import { LoadbalancePlugin } from './loadbalance-plugin.js';

export const loadbalanceFactory: PluginFactory = {
  name: 'loadbalance',
  setup(d) {
    const [policy] = expectArgs(d, 0, 1);
    if (policy !== undefined && policy !== 'round_robin') {
      throw ConfigError.at(d, `'loadbalance': unsupported policy '${policy}': only round_robin is implemented`);
    }
    forEachOption(d, {});
    return new LoadbalancePlugin();
  },
};
