// One configured server block, ready to serve: its zones, port, listen addresses, writer settings
// and composed plugin chain. Built by cli/build-blocks.ts; immutable afterwards.

import type { Handler, Plugin } from '../plugins/plugin.js';
import type { WriterSettings } from './response-writer.js';
import type { ReloadSettings } from '../ops/reload-settings.js';
import type { TcpTimeouts } from './transport/tcp-limits.js';

export interface ServerBlockRuntime {
  readonly zones: readonly string[];
  readonly port: number;
  /** Listen addresses; empty = all interfaces. */
  readonly bind: readonly string[];
  readonly writer: WriterSettings;
  readonly plugins: readonly Plugin[];
  readonly chain: Handler;
  /** Set by the block's `reload` directive. */
  readonly reload?: ReloadSettings;
  /** Set by the block's `timeouts` directive: its TCP listeners' read, write and idle timeouts. */
  readonly timeouts?: Partial<TcpTimeouts>;
}
