// `ready [ADDR] { monitor until-ready|continuously }`, default :8181 (CoreDNS's syntax and default).

import { expectArgs, forEachOption } from '../../corefile/args.js';
import { ConfigError } from '../../corefile/types.js';
import { listenAddressArg, requireOperations } from '../../ops/require-operations.js';
import type { MonitorMode } from '../../ops/readiness.js';
import type { PluginFactory } from '../setup-context.js';
import { ReadyPlugin } from './ready-plugin.js';

export const readyFactory: PluginFactory = {
  name: 'ready',
  setup(d, ctx) {
    const addr = listenAddressArg(d, ':8181');
    let monitor: MonitorMode = 'until-ready';
    forEachOption(d, {
      monitor: (o) => {
        const [mode] = expectArgs(o, 1, 1);
        if (mode !== 'until-ready' && mode !== 'continuously') {
          throw ConfigError.at(o, `'ready': monitor must be until-ready or continuously, not '${mode}'`);
        }
        monitor = mode;
      },
    });
    return new ReadyPlugin({ addr, monitor }, requireOperations(d, ctx));
  },
};
