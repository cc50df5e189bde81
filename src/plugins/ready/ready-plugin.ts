// The `ready` plugin: GET /ready is 200 "OK" when every plugin that reports readiness (in every
// block with `ready`) is ready, else 503 with their names, comma-separated; 503 "Shutting down"
// once shutdown has begun, so that the Service stops sending queries before the listeners close.

import type { Handler, Plugin } from '../plugin.js';
import type { Request } from '../../dns/request.js';
import type { ChainObserver } from '../../ops/chain-observer.js';
import type { EndpointLease } from '../../ops/http-endpoints.js';
import type { ListenAddress } from '../../ops/listen-address.js';
import type { Operations } from '../../ops/operations.js';
import type { MonitorMode, ReadinessReporter, ReadinessRegistry } from '../../ops/readiness.js';
import type { Lifecycle } from '../../ops/lifecycle.js';
import type { RouteHandler } from '../../ops/http-endpoints.js';

export interface ReadyConfig {
  readonly addr: ListenAddress;
  readonly monitor: MonitorMode;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

/** The /ready handler; one for the process, whichever block's plugin opened the route. */
export function readyHandler(readiness: ReadinessRegistry, lifecycle: Lifecycle): RouteHandler {
  return (_req, res) => {
    if (!lifecycle.serving) {
      res.writeHead(503, TEXT).end('Shutting down');
      return;
    }
    const status = readiness.check();
    if (status.ready) res.writeHead(200, TEXT).end('OK');
    else res.writeHead(503, TEXT).end(status.notReady.join(','));
  };
}

export class ReadyPlugin implements Plugin, ChainObserver {
  readonly name = 'ready';
  #reporters: readonly ReadinessReporter[] = [];
  #lease: EndpointLease | null = null;
  #withdraw: (() => void) | null = null;

  constructor(
    readonly config: ReadyConfig,
    private readonly ops: Operations,
  ) {}

  serve(req: Request, next: Handler): ReturnType<Handler> {
    return next(req);
  }

  observeChain(plugins: readonly Plugin[]): void {
    this.#reporters = plugins
      .filter((p) => typeof p.ready === 'function')
      .map((p) => ({ name: p.name, ready: () => p.ready!() }));
  }

  get port(): number | undefined {
    return this.#lease?.port;
  }

  async start(): Promise<void> {
    if (this.#lease !== null) return;
    this.#withdraw = this.ops.readiness.add(this.#reporters, this.config.monitor);
    try {
      this.#lease = await this.ops.http.acquire(this.config.addr, '/ready', readyHandler(this.ops.readiness, this.ops.lifecycle));
    } catch (err) {
      this.#withdraw();
      this.#withdraw = null;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.#withdraw?.();
    this.#withdraw = null;
    const lease = this.#lease;
    this.#lease = null;
    await lease?.release();
  }
}
