// From parsed server blocks to runnable ones: each directive validated by its plugin's setup (in
// run order), unknown and repeated directives rejected with file and line, chains composed.

import { dirname } from 'node:path';
import { ConfigError, type ServerBlock } from '../corefile/types.js';
import { composeChain } from '../dns/chain.js';
import { DEFAULT_BUFSIZE } from '../dns/constants.js';
import type { ServerBlockRuntime } from '../dns/server-block.js';
import { announceChain } from '../ops/chain-observer.js';
import type { Plugin } from '../plugins/plugin.js';
import { FACTORIES, orderOf } from '../plugins/registry.js';
import type { BlockSettings, Runtime, SetupContext } from '../plugins/setup-context.js';

export interface BuildOptions {
  readonly corefilePath: string;
  readonly dnsPort: number;
  readonly runtime: Runtime;
}

/** Groups blocks' keys by effective port: a block with keys on two ports serves on both. */
export function buildBlocks(parsed: readonly ServerBlock[], opts: BuildOptions): ServerBlockRuntime[] {
  const out: ServerBlockRuntime[] = [];
  for (const block of parsed) {
    const seen = new Set<string>();
    for (const d of block.directives) {
      if (!FACTORIES.has(d.name)) throw ConfigError.at(d, `unknown directive '${d.name}'`);
      if (seen.has(d.name) && FACTORIES.get(d.name)!.repeatable !== true) {
        throw ConfigError.at(d, `'${d.name}' can only be used once per server block`);
      }
      seen.add(d.name);
    }
    // A stable sort: repeated directives (several `forward`s) keep the order they are written in.
    const ordered = [...block.directives].sort((a, b) => orderOf(a.name) - orderOf(b.name));
    const ports = [...new Set(block.keys.map((k) => k.port ?? opts.dnsPort))];
    for (const port of ports) {
      const zones = block.keys.filter((k) => (k.port ?? opts.dnsPort) === port).map((k) => k.zone);
      const settings: BlockSettings = { bind: [], bufsize: DEFAULT_BUFSIZE };
      const ctx: SetupContext = { block, zones, port, configDir: dirname(opts.corefilePath), runtime: opts.runtime, settings };
      const plugins: Plugin[] = [];
      for (const d of ordered) {
        const p = FACTORIES.get(d.name)!.setup(d, ctx);
        if (p !== null) plugins.push(p);
      }
      // ready and prometheus learn their block's plugins before anything starts.
      announceChain(plugins);
      out.push(
        Object.freeze({
          zones,
          port,
          bind: Object.freeze([...settings.bind]),
          writer: Object.freeze({ bufsize: settings.bufsize }),
          plugins: Object.freeze(plugins),
          chain: composeChain(plugins),
          ...(settings.reload === undefined ? {} : { reload: settings.reload }),
          ...(settings.timeouts === undefined ? {} : { timeouts: Object.freeze({ ...settings.timeouts }) }),
        }),
      );
    }
  }
  return out;
}
