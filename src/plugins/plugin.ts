// The plugin contract, CoreDNS's ServeDNS/NextOrFailure in TypeScript: a plugin either returns
// a Reply it produced, or calls `next(req)` and returns (possibly transforms) what that gives.
// A Reply with `wire === null` carries only an rcode: "nothing written yet", the server writes
// the error message for it.

import type { Request } from '../dns/request.js';
import type { Reply } from '../dns/reply.js';

export type Handler = (req: Request) => Reply | Promise<Reply>;

export interface Plugin {
  /** The directive name ("multicluster", "forward", ...), used in metrics and logs. */
  readonly name: string;
  serve(req: Request, next: Handler): Reply | Promise<Reply>;
  /** Start background work (watches, health checks). Called once before listeners open. */
  start?(): Promise<void>;
  /** Idempotent. */
  stop?(): Promise<void>;
  /** Present on plugins that report readiness (CoreDNS's ready.Readiness). */
  ready?(): boolean;
}
