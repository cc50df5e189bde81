// The one path of a query, between the transports and the plugins: read and check the packet,
// route it to a server block by zone, run the block's chain, and write the reply for this client.
// Synchronous replies (pre-encoded zone answers) never touch a Promise.

import type { Logger } from 'pino';
import { DEFAULT_BUFSIZE, QType, Rcode } from './constants.js';
import { readQuery, type DropReason, type QueryHead } from './query-reader.js';
import { rcodeReply, type Reply } from './reply.js';
import type { Request, Transport } from './request.js';
import { requestFromQuery } from './request-from-query.js';
import { responseLimit, writeResponse, type WriterSettings } from './response-writer.js';
import type { ZoneRouter } from './router.js';
import type { ServerBlockRuntime } from './server-block.js';

export interface PacketMeta {
  readonly proto: Transport;
  readonly family: 4 | 6;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** Hooks for what the handler cannot answer itself; metrics and logs hang here. */
export interface PacketObserver {
  dropped(reason: DropReason, meta: PacketMeta): void;
  /** A plugin threw: the query was answered SERVFAIL. */
  panicked(err: unknown, block: ServerBlockRuntime, req: Request): void;
}

export type HandleResult = Uint8Array | null | Promise<Uint8Array | null>;

const UNROUTED: WriterSettings = Object.freeze({ bufsize: DEFAULT_BUFSIZE });

export class PacketHandler {
  constructor(
    private router: ZoneRouter,
    private readonly observer: PacketObserver,
    private readonly logger: Logger,
    /** CoreDNS's `server` label of the listener this handler serves: "dns://127.0.0.1:53", "dns://:53". */
    private readonly server: string,
  ) {}

  /** Swaps in the blocks of a reloaded configuration; queries already routed finish on the old ones. */
  setRouter(router: ZoneRouter): void {
    this.router = router;
  }

  handle(buf: Uint8Array, meta: PacketMeta): HandleResult {
    const parsed = readQuery(buf);
    if (parsed.kind === 'drop') {
      this.observer.dropped(parsed.reason, meta);
      return null;
    }
    if (parsed.kind === 'error') return this.#error(parsed, parsed.rcode, meta, UNROUTED);
    const route = this.router.route(parsed.question.lname);
    if (route === null) return this.#error(parsed, Rcode.REFUSED, meta, UNROUTED);
    const block = route.block;
    const qtype = parsed.question.type;
    if (qtype === QType.AXFR || qtype === QType.IXFR) return this.#error(parsed, Rcode.REFUSED, meta, block.writer);
    const req = requestFromQuery(parsed, buf, meta, { server: this.server, zone: route.zone });
    let reply: Reply | Promise<Reply>;
    try {
      reply = block.chain(req);
    } catch (err) {
      return this.#panic(err, block, req, parsed);
    }
    if (reply instanceof Promise) {
      return reply.then(
        (r) => this.#write(parsed, r, meta, block.writer),
        (err: unknown) => this.#panic(err, block, req, parsed),
      );
    }
    return this.#write(parsed, reply, meta, block.writer);
  }

  #write(head: QueryHead, reply: Reply, meta: PacketMeta, settings: WriterSettings): Uint8Array {
    return writeResponse(head, reply, responseLimit(head, meta.proto, settings.bufsize), settings);
  }

  #error(head: QueryHead, rcode: number, meta: PacketMeta, settings: WriterSettings): Uint8Array {
    return this.#write(head, rcodeReply(rcode, ''), meta, settings);
  }

  #panic(err: unknown, block: ServerBlockRuntime, req: Request, head: QueryHead): Uint8Array {
    this.observer.panicked(err, block, req);
    this.logger.error({ err, server: this.server, qname: req.question.name }, 'plugin failed; answered SERVFAIL');
    return writeResponse(head, rcodeReply(Rcode.SERVFAIL, ''), responseLimit(head, req.proto, block.writer.bufsize), block.writer);
  }
}
