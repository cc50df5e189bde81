// Composes a server block's plugins, already in plugin.cfg order, into one Handler. The end of the
// chain answers SERVFAIL, as CoreDNS's NextOrFailure does when no plugin is left.

import { Rcode } from './constants.js';
import { rcodeReply, type Reply } from './reply.js';
import type { Request } from './request.js';
import type { Handler, Plugin } from '../plugins/plugin.js';

const endOfChain: Handler = () => rcodeReply(Rcode.SERVFAIL, '');

export function composeChain(plugins: readonly Plugin[]): Handler {
  let next: Handler = endOfChain;
  for (let i = plugins.length - 1; i >= 0; i--) {
    const plugin = plugins[i]!;
    const after = next;
    next = (req: Request): Reply | Promise<Reply> => plugin.serve(req, after);
  }
  return next;
}
