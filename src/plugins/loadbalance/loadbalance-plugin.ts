// The `loadbalance` plugin (round_robin): shuffles the A and AAAA answers of each reply so that
// clients that take the first address spread over the backends. The original bytes (possibly a
// pre-encoded answer shared by many queries) are never modified: the shuffle writes a copy.

import type { Handler, Plugin } from '../plugin.js';
import type { Request } from '../../dns/request.js';
import { wireReply, type Reply } from '../../dns/reply.js';
import { shuffleAddresses } from './shuffle.js';

export class LoadbalancePlugin implements Plugin {
  readonly name = 'loadbalance';

  constructor(private readonly random: () => number = Math.random) {}

  serve(req: Request, next: Handler): ReturnType<Handler> {
    const out = next(req);
    return out instanceof Promise ? out.then((r) => this.balance(r)) : this.balance(out);
  }

  balance(reply: Reply): Reply {
    if (reply.wire === null) return reply;
    const layout = reply.layout();
    if (layout.counts[0] < 2) return reply;
    const shuffled = shuffleAddresses(reply.wire, layout, this.random);
    // Same record offsets: the layout of the original describes the copy too.
    return shuffled === null ? reply : wireReply(reply.rcode, reply.flags, shuffled, reply.plugin, layout);
  }
}
