// `errors { stacktrace; consolidate DURATION REGEXP [LEVEL] [show_first] }` (CoreDNS's syntax).

import { durationArg, expectArgs, forEachOption } from '../../corefile/args.js';
import { ConfigError } from '../../corefile/types.js';
import type { PluginFactory } from '../setup-context.js';
import { ErrorsPlugin, type ConsolidateLevel, type ConsolidateRule } from './errors-plugin.js';

const LEVELS: Readonly<Record<string, ConsolidateLevel>> = { warning: 'warn', error: 'error', info: 'info', debug: 'debug' };

export const errorsFactory: PluginFactory = {
  name: 'errors',
  setup(d, ctx) {
    expectArgs(d, 0, 0);
    let stacktrace = false;
    const consolidate: ConsolidateRule[] = [];
    forEachOption(d, {
      stacktrace: (o) => {
        expectArgs(o, 0, 0);
        stacktrace = true;
      },
      consolidate: (o) => {
        const args = [...expectArgs(o, 2, 4)];
        const periodMs = durationArg(o, args[0]!, { what: 'consolidate duration', min: 1 });
        const source = args[1]!;
        if (source.length > 10_000) throw ConfigError.at(o, `'errors': consolidate REGEXP is longer than 10000 characters`);
        let pattern: RegExp;
        try {
          pattern = new RegExp(source);
        } catch (e) {
          throw ConfigError.at(o, `'errors': invalid consolidate REGEXP '${source}': ${(e as Error).message}`);
        }
        let level: ConsolidateLevel = 'error';
        let showFirst = false;
        for (const extra of args.slice(2)) {
          if (extra === 'show_first') showFirst = true;
          else if (Object.hasOwn(LEVELS, extra) && !showFirst) level = LEVELS[extra]!;
          else throw ConfigError.at(o, `'errors': unexpected '${extra}' in consolidate: expected warning, error, info, debug or show_first`);
        }
        consolidate.push({ periodMs, pattern, text: source, level, showFirst });
      },
    });
    return new ErrorsPlugin({ stacktrace, consolidate }, ctx.runtime.logger.child({ plugin: 'errors' }));
  },
};
