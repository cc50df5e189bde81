// The DNS server: for every (address, port) the blocks listen on, a UDP and a TCP listener sharing
// one zone router; plugins started before the first socket opens and stopped after the last closes.

import type { Logger } from 'pino';
import { PacketHandler, type PacketObserver } from './packet-handler.js';
import { ZoneRouter } from './router.js';
import type { ServerBlockRuntime } from './server-block.js';
import { TcpListener } from './transport/tcp-listener.js';
import { UdpListener } from './transport/udp-listener.js';

export interface ServerOptions {
  readonly reusePort?: boolean;
  readonly tcpIdleTimeoutMs?: number;
  readonly tcpMaxConnections?: number;
}

export interface BoundAddress {
  readonly address: string;
  readonly port: number;
}

export class DnsServer {
  readonly #udp: UdpListener[] = [];
  readonly #tcp: TcpListener[] = [];
  #started = false;
  #stopped = false;

  constructor(
    readonly blocks: readonly ServerBlockRuntime[],
    private readonly observer: PacketObserver,
    private readonly logger: Logger,
    private readonly options: ServerOptions = {},
  ) {}

  /** (address, port) pairs and the blocks each serves. */
  static listenPlan(blocks: readonly ServerBlockRuntime[]): { address: string; port: number; blocks: ServerBlockRuntime[] }[] {
    const plan: { address: string; port: number; blocks: ServerBlockRuntime[] }[] = [];
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
    for (const b of this.blocks) for (const p of b.plugins) await p.start?.();
    for (const { address, port, blocks } of DnsServer.listenPlan(this.blocks)) {
      const handler = new PacketHandler(new ZoneRouter(blocks), this.observer, this.logger);
      const udp = new UdpListener({ address, port, reusePort: this.options.reusePort ?? false }, handler, this.logger);
      await udp.start();
      this.#udp.push(udp);
      // Port 0 (tests): TCP takes the port UDP got.
      const tcp = new TcpListener(
        {
          address,
          port: port === 0 ? udp.port : port,
          ...(this.options.tcpIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.options.tcpIdleTimeoutMs }),
          ...(this.options.tcpMaxConnections === undefined ? {} : { maxConnections: this.options.tcpMaxConnections }),
        },
        handler,
        this.logger,
      );
      await tcp.start();
      this.#tcp.push(tcp);
      this.logger.info({ address: address || '*', port: udp.port, zones: blocks.flatMap((b) => b.zones) }, 'listening (udp+tcp)');
    }
  }

  /** Where the listeners are bound (real ports when configured with port 0). */
  addresses(): BoundAddress[] {
    return this.#udp.map((u, i) => ({ address: DnsServer.listenPlan(this.blocks)[i]?.address ?? '', port: u.port }));
  }

  /** Stops accepting, lets queries in flight finish (up to `drainMs`), then stops plugins. */
  async stop(drainMs = 5000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(this.#tcp.map((t) => t.drain(drainMs)));
    await Promise.all(this.#udp.map((u) => u.drain(drainMs)));
    await Promise.all([...this.#udp, ...this.#tcp].map((l) => l.stop()));
    for (const b of this.blocks) for (const p of b.plugins) await p.stop?.();
  }
}
