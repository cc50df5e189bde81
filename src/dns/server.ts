// The DNS server: for every (address, port) the blocks listen on, a UDP and a TCP listener sharing
// one packet handler; plugins started before the first socket opens and stopped after the last
// closes. A reload swaps the blocks under running listeners, opening and closing only the
// listeners whose address or port changed, so no query is dropped.

import type { Logger } from 'pino';
import { PacketHandler, type HandleResult, type PacketMeta, type PacketObserver } from './packet-handler.js';
import { ZoneRouter } from './router.js';
import type { ServerBlockRuntime } from './server-block.js';
import { serverLabel } from './server-label.js';
import { TcpListener, type TcpObserver } from './transport/tcp-listener.js';
import { TCP_DEFAULTS, withBlockTimeouts, type TcpLimits } from './transport/tcp-limits.js';
import { UdpListener } from './transport/udp-listener.js';

export interface ServerOptions {
  readonly reusePort?: boolean;
  /** TCP limits instead of the defaults (tests); a block's `timeouts` still wins for its listeners. */
  readonly tcp?: Partial<TcpLimits>;
}

/** The packet handler's hooks, and the TCP listeners' when given (metrics). */
export type ServerObserver = PacketObserver & { readonly tcp?: TcpObserver };

const UNOBSERVED_TCP: TcpObserver = { refused() {}, closed() {}, open() {} };

export interface BoundAddress {
  readonly address: string;
  readonly port: number;
}

interface ListenPlanEntry {
  readonly address: string;
  readonly port: number;
  readonly blocks: ServerBlockRuntime[];
}

/**
 * An endpoint's packet handler that can stop taking new queries while its sockets stay open, so
 * that a closing endpoint still sends the answers of the queries in flight (a dropped query is
 * retried by the client, against another replica once this one is not ready).
 */
class ClosablePacketHandler extends PacketHandler {
  #closed = false;

  closeToNewQueries(): void {
    this.#closed = true;
  }

  override handle(buf: Uint8Array, meta: PacketMeta): HandleResult {
    return this.#closed ? null : super.handle(buf, meta);
  }
}

interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly handler: ClosablePacketHandler;
  readonly udp: UdpListener;
  readonly tcp: TcpListener;
}

const planKey = (e: { address: string; port: number }): string => `${e.address}|${e.port}`;

async function startPlugins(blocks: readonly ServerBlockRuntime[]): Promise<void> {
  const started: ServerBlockRuntime['plugins'][number][] = [];
  try {
    for (const b of blocks) {
      for (const p of b.plugins) {
        await p.start?.();
        started.push(p);
      }
    }
  } catch (err) {
    for (const p of started.reverse()) await p.stop?.().catch(() => undefined);
    throw err;
  }
}

async function stopPlugins(blocks: readonly ServerBlockRuntime[]): Promise<void> {
  for (const b of blocks) for (const p of b.plugins) await p.stop?.();
}

export class DnsServer {
  #blocks: readonly ServerBlockRuntime[];
  readonly #endpoints = new Map<string, Endpoint>();
  #started = false;
  #stopped = false;

  constructor(
    blocks: readonly ServerBlockRuntime[],
    private readonly observer: ServerObserver,
    private readonly logger: Logger,
    private readonly options: ServerOptions = {},
  ) {
    this.#blocks = blocks;
  }

  #limits(blocks: readonly ServerBlockRuntime[]): TcpLimits {
    return withBlockTimeouts({ ...TCP_DEFAULTS, ...this.options.tcp }, blocks.map((b) => b.timeouts ?? {}));
  }

  get blocks(): readonly ServerBlockRuntime[] {
    return this.#blocks;
  }

  /** (address, port) pairs and the blocks each serves; '' is every interface. */
  static listenPlan(blocks: readonly ServerBlockRuntime[]): ListenPlanEntry[] {
    const plan: ListenPlanEntry[] = [];
    const ports = [...new Set(blocks.map((b) => b.port))];
    for (const port of ports) {
      const onPort = blocks.filter((b) => b.port === port);
      const wildcard = onPort.some((b) => b.bind.length === 0);
      const addresses = wildcard ? [''] : [...new Set(onPort.flatMap((b) => b.bind))];
      for (const address of addresses) {
        plan.push({ address, port, blocks: onPort.filter((b) => address === '' || b.bind.length === 0 || b.bind.includes(address)) });
      }
    }
    return plan;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await startPlugins(this.#blocks);
    for (const entry of DnsServer.listenPlan(this.#blocks)) await this.#open(entry);
  }

  async #open(entry: ListenPlanEntry): Promise<void> {
    const handler = new ClosablePacketHandler(new ZoneRouter(entry.blocks), this.observer, this.logger, serverLabel(entry.address, entry.port));
    // Port 0 (tests): UDP picks a free port and TCP takes the same number; that number may be
    // taken on the TCP side, so pick again a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      const udp = new UdpListener({ address: entry.address, port: entry.port, reusePort: this.options.reusePort ?? false }, handler, this.logger);
      await udp.start();
      const tcp = new TcpListener(
        { address: entry.address, port: entry.port === 0 ? udp.port : entry.port, limits: this.#limits(entry.blocks) },
        handler,
        this.logger,
        this.observer.tcp ?? UNOBSERVED_TCP,
      );
      try {
        await tcp.start();
      } catch (err) {
        await udp.stop();
        if (entry.port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 20) continue;
        throw err;
      }
      this.#endpoints.set(planKey(entry), { address: entry.address, port: entry.port, handler, udp, tcp });
      this.logger.info({ address: entry.address || '*', port: udp.port, zones: entry.blocks.flatMap((b) => b.zones) }, 'listening (udp+tcp)');
      return;
    }
  }

  /**
   * Applies a reloaded configuration: starts the new plugins, routes every listener to the new
   * blocks (opening listeners for new addresses), closes listeners no longer wanted, then stops
   * the old plugins. If the new plugins fail to start, nothing changes.
   */
  async replaceBlocks(next: readonly ServerBlockRuntime[]): Promise<void> {
    const old = this.#blocks;
    await startPlugins(next);
    const plan = DnsServer.listenPlan(next);
    const wanted = new Set(plan.map(planKey));
    try {
      for (const entry of plan) {
        const ep = this.#endpoints.get(planKey(entry));
        if (ep) {
          ep.handler.setRouter(new ZoneRouter(entry.blocks));
          ep.tcp.setLimits(this.#limits(entry.blocks));
        } else {
          await this.#open(entry);
        }
      }
    } catch (err) {
      await stopPlugins(next);
      throw err;
    }
    this.#blocks = next;
    for (const [key, ep] of this.#endpoints) {
      if (wanted.has(key)) continue;
      this.#endpoints.delete(key);
      ep.handler.closeToNewQueries();
      await Promise.all([ep.tcp.drain(2000), ep.udp.drain(2000)]);
      await Promise.all([ep.udp.stop(), ep.tcp.stop()]);
    }
    await stopPlugins(old);
  }

  /** Where the listeners are bound (real ports when configured with port 0). */
  addresses(): BoundAddress[] {
    return [...this.#endpoints.values()].map((e) => ({ address: e.address, port: e.udp.port }));
  }

  /** Stops taking queries, lets those in flight finish (up to `drainMs`), then stops plugins. */
  async stop(drainMs = 5000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const eps = [...this.#endpoints.values()];
    this.#endpoints.clear();
    for (const e of eps) e.handler.closeToNewQueries();
    await Promise.all(eps.flatMap((e) => [e.tcp.drain(drainMs), e.udp.drain(drainMs)]));
    await Promise.all(eps.flatMap((e) => [e.udp.stop(), e.tcp.stop()]));
    await stopPlugins(this.#blocks);
  }
}
