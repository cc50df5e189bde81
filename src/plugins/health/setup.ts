// `health [ADDR] { lameduck DURATION }`, default :8080 (CoreDNS's syntax and default).

import { durationArg, expectArgs, forEachOption } from '../../corefile/args.js';
import { listenAddressArg, requireOperations } from '../../ops/require-operations.js';
import type { PluginFactory } from '../setup-context.js';
import { HealthPlugin } from './health-plugin.js';

export const healthFactory: PluginFactory = {
  name: 'health',
  setup(d, ctx) {
    const addr = listenAddressArg(d, ':8080');
    let lameduckMs = 0;
    forEachOption(d, {
      lameduck: (o) => {
        const [dur] = expectArgs(o, 1, 1);
        lameduckMs = durationArg(o, dur!, { what: 'lameduck duration', min: 0 });
      },
    });
    return new HealthPlugin({ addr, lameduckMs }, requireOperations(d, ctx));
  },
};
