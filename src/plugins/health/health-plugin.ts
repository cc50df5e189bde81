// The `health` plugin: GET /health answers 200 "OK" while the process runs (lameduck included,
// so that the kubelet does not kill a pod that is draining), and registers its lameduck delay.

import type { Handler, Plugin } from '../plugin.js';
import type { Request } from '../../dns/request.js';
import type { ListenAddress } from '../../ops/listen-address.js';
import type { EndpointLease } from '../../ops/http-endpoints.js';
import type { Operations } from '../../ops/operations.js';

export interface HealthConfig {
  readonly addr: ListenAddress;
  readonly lameduckMs: number;
}

export class HealthPlugin implements Plugin {
  readonly name = 'health';
  #lease: EndpointLease | null = null;
  #withdrawLameduck: (() => void) | null = null;

  constructor(
    readonly config: HealthConfig,
    private readonly ops: Operations,
  ) {}

  serve(req: Request, next: Handler): ReturnType<Handler> {
    return next(req);
  }

  /** The bound port once started (the configured one unless that was 0). */
  get port(): number | undefined {
    return this.#lease?.port;
  }

  async start(): Promise<void> {
    if (this.#lease !== null) return;
    this.#lease = await this.ops.http.acquire(this.config.addr, '/health', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('OK');
    });
    this.#withdrawLameduck = this.ops.lifecycle.addLameduck(this.config.lameduckMs);
  }

  async stop(): Promise<void> {
    this.#withdrawLameduck?.();
    this.#withdrawLameduck = null;
    const lease = this.#lease;
    this.#lease = null;
    await lease?.release();
  }
}
