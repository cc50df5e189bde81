// The reconciler's small HTTP listeners: /healthz and /readyz on listen.health, /metrics on
// listen.metrics (the same server when both addresses are equal). Nothing here knows about
// clusters; checks are passed in.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ListenAddress } from './config.js';

export interface Check {
  readonly ok: boolean;
  /** One line per sub-check, as Kubernetes components print with ?verbose. */
  readonly lines: readonly string[];
}

export interface HttpEndpointsOptions {
  readonly health: ListenAddress | null;
  readonly metrics: ListenAddress | null;
  readonly registry: Registry;
  readonly healthz: () => Check;
  readonly readyz: () => Check;
}

type Route = (url: URL) => Promise<{ status: number; type: string; body: string }>;

export class HttpEndpoints {
  private readonly servers: Server[] = [];
  private started = false;

  constructor(private readonly opts: HttpEndpointsOptions) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const check = (fn: () => Check): Route => async (url) => {
      const c = fn();
      const verbose = url.searchParams.has('verbose') || !c.ok;
      const body = verbose ? `${c.lines.join('\n')}\n${c.ok ? 'ok' : 'failed'}\n` : 'ok';
      return { status: c.ok ? 200 : 503, type: 'text/plain; charset=utf-8', body };
    };
    const healthRoutes: Record<string, Route> = { '/healthz': check(this.opts.healthz), '/readyz': check(this.opts.readyz) };
    const metricsRoutes: Record<string, Route> = {
      '/metrics': async () => ({ status: 200, type: this.opts.registry.contentType, body: await this.opts.registry.metrics() }),
    };
    const { health, metrics } = this.opts;
    if (health !== null && metrics !== null && health.host === metrics.host && health.port === metrics.port && health.port !== 0) {
      await this.listen(health, { ...healthRoutes, ...metricsRoutes });
      return;
    }
    if (health !== null) await this.listen(health, healthRoutes);
    if (metrics !== null) await this.listen(metrics, metricsRoutes);
  }

  /** Bound ports, health first (useful with port 0). */
  ports(): number[] {
    return this.servers.map((s) => (s.address() as AddressInfo).port);
  }

  async stop(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private async listen(addr: ListenAddress, routes: Record<string, Route>): Promise<void> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = routes[url.pathname];
      if (route === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      route(url).then(
        (r) => res.writeHead(r.status, { 'Content-Type': r.type }).end(r.body),
        (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(err)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host === '' ? undefined : addr.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
  }
}
