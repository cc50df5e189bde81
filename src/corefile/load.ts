// Reads a Corefile from disk and returns its server blocks, parsed and with duplicate keys
// rejected: the one entry point the CLI and the reload plugin use.

import { readFileSync } from 'node:fs';
import type { Env } from './env-substitution.js';
import { parseCorefile } from './parse.js';
import { ConfigError, type ServerBlock } from './types.js';
import { checkDuplicateKeys } from './validate-keys.js';

export function loadCorefile(path: string, env: Env, defaultPort: number): ServerBlock[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // There is no line to point at; 0 says "the file itself".
    throw new ConfigError(path, 0, `cannot read Corefile: ${err instanceof Error ? err.message : String(err)}`);
  }
  const blocks = parseCorefile(text, { file: path, env });
  checkDuplicateKeys(blocks, defaultPort);
  return blocks;
}
