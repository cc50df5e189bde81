// Two server blocks (or two keys of one block) serving the same zone on the same port would make
// routing ambiguous; CoreDNS refuses to start, and so do we, pointing at the second key.

import { ConfigError, type ServerBlock } from './types.js';

export function checkDuplicateKeys(blocks: readonly ServerBlock[], defaultPort: number): void {
  const seen = new Set<string>();
  for (const block of blocks) {
    for (const key of block.keys) {
      const id = `${key.zone}:${key.port ?? defaultPort}`;
      if (seen.has(id)) throw ConfigError.at(key, `zone ${id} is defined more than once`);
      seen.add(id);
    }
  }
}
