// The operations plugins cannot work without the process-wide services; a Runtime built without
// them (a test harness, a misconfigured main) is reported at the directive, not as a crash later.

import { ConfigError, type Directive } from '../corefile/types.js';
import type { SetupContext } from '../plugins/setup-context.js';
import type { Operations } from './operations.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { expectArgs } from '../corefile/args.js';

export function requireOperations(d: Directive, ctx: SetupContext): Operations {
  const ops = ctx.runtime.ops;
  if (ops === undefined) throw ConfigError.at(d, `'${d.name}' needs the operations services, which this runtime lacks`);
  return ops;
}

/** The optional `[ADDR]` argument of health, ready and prometheus. */
export function listenAddressArg(d: Directive, fallback: string): ListenAddress {
  const args = expectArgs(d, 0, 1);
  const text = args[0] ?? fallback;
  const parsed = parseListenAddress(text);
  if (typeof parsed === 'string') throw ConfigError.at(d, `'${d.name}': ${parsed}`);
  return parsed;
}
