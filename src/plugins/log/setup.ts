// `log [NAMES...] [FORMAT] { class success|denial|error|all ... }`, read as CoreDNS reads it: one
// argument is a name; with more, a last argument containing "{" is the format. Several `log`
// lines in a block add rules; the first rule whose name covers the query decides.

import { expectArgs, forEachOption, normalizeZones } from '../../corefile/args.js';
import { ConfigError, type Directive } from '../../corefile/types.js';
import type { PluginFactory } from '../setup-context.js';
import type { ResponseClass } from './classify.js';
import { COMMON_LOG_FORMAT, compileFormat } from './format.js';
import { LogPlugin, type LogRule } from './log-plugin.js';

const CLASS_NAMES = new Set(['success', 'denial', 'error', 'all']);

export function parseLogRules(d: Directive): LogRule[] {
  let args = [...d.args];
  let format = COMMON_LOG_FORMAT;
  if (args.length >= 2 && args[args.length - 1]!.includes('{')) format = args.pop()!;
  const names = args.length === 0 ? ['.'] : args.flatMap((n) => normalizeZones(n, d));
  const classes = new Set<ResponseClass>();
  let all = false;
  forEachOption(d, {
    class: (o) => {
      for (const c of expectArgs(o, 1, Infinity)) {
        if (!CLASS_NAMES.has(c)) throw ConfigError.at(o, `'log': invalid class '${c}': expected success, denial, error or all`);
        // `all` anywhere means every class, whatever else is listed, as in CoreDNS.
        if (c === 'all') all = true;
        else classes.add(c as ResponseClass);
      }
    },
  });
  const compiled = compileFormat(format);
  return names.map((name) => ({ name, format: compiled, classes: all || classes.size === 0 ? null : classes }));
}

export const logFactory: PluginFactory = {
  name: 'log',
  setup(d, ctx) {
    return new LogPlugin(parseLogRules(d), ctx.runtime.logger.child({ plugin: 'log' }), ctx.runtime.clock);
  },
};
