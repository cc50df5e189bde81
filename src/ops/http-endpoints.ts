// The HTTP servers behind /health, /ready and /metrics. Several server blocks (and a reloaded
// config overlapping the running one) may name the same address: one server per address, one
// route per path, both reference-counted so that a reload that keeps an address never closes it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ListenAddress } from './listen-address.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface EndpointLease {
  /** The port actually bound (differs from the configured one when that was 0). */
  readonly port: number;
  /** Idempotent: drops this holder's reference; the server closes with its last route. */
  release(): Promise<void>;
}

interface Route {
  readonly handler: RouteHandler;
  refs: number;
}

interface Site {
  readonly server: Server;
  readonly routes: Map<string, Route>;
  readonly listening: Promise<number>;
}

export class HttpEndpoints {
  readonly #sites = new Map<string, Site>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Serves `path` on `addr` with `handler` (the first holder's handler serves a shared path). */
  async acquire(addr: ListenAddress, path: string, handler: RouteHandler): Promise<EndpointLease> {
    let site = this.#sites.get(addr.key);
    if (site === undefined) {
      site = this.#open(addr);
      this.#sites.set(addr.key, site);
    }
    const route = site.routes.get(path);
    if (route === undefined) site.routes.set(path, { handler, refs: 1 });
    else route.refs++;
    const held = site;
    let port: number;
    try {
      port = await held.listening;
    } catch (err) {
      await this.#drop(addr.key, held, path);
      throw err;
    }
    let released = false;
    return {
      port,
      release: async () => {
        if (released) return;
        released = true;
        await this.#drop(addr.key, held, path);
      },
    };
  }

  /** The bound port of the server on `addr`, when one is open (tests use port 0). */
  boundPort(addr: ListenAddress): number | undefined {
    const site = this.#sites.get(addr.key);
    const info = site?.server.address();
    return info !== null && typeof info === 'object' ? (info as AddressInfo).port : undefined;
  }

  /** Closes every server, whatever its holders. Idempotent. */
  async stop(): Promise<void> {
    const sites = [...this.#sites.values()];
    this.#sites.clear();
    await Promise.all(sites.map((s) => closeServer(s.server)));
  }

  #open(addr: ListenAddress): Site {
    const routes = new Map<string, Route>();
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
      const route = routes.get(path);
      if (route === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
        return;
      }
      Promise.resolve()
        .then(() => route.handler(req, res))
        .catch((err: unknown) => {
          this.#logger.error({ err, path }, 'operations endpoint failed');
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
    });
    // Probes must not hold a lameduck shutdown open through keep-alive.
    server.keepAliveTimeout = 5_000;
    server.requestTimeout = 10_000;
    const listening = new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      const onListening = (): void => {
        server.off('error', reject);
        server.on('error', (err) => this.#logger.error({ err, addr: addr.key }, 'operations HTTP server error'));
        resolve((server.address() as AddressInfo).port);
      };
      if (addr.host === '') server.listen(addr.port, onListening);
      else server.listen(addr.port, addr.host, onListening);
    });
    // The failure is reported to acquire(); avoid an unhandled rejection when nobody awaits.
    listening.catch(() => undefined);
    return { server, routes, listening };
  }

  async #drop(key: string, site: Site, path: string): Promise<void> {
    const route = site.routes.get(path);
    if (route !== undefined && --route.refs <= 0) site.routes.delete(path);
    if (site.routes.size > 0) return;
    if (this.#sites.get(key) === site) this.#sites.delete(key);
    await closeServer(site.server);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
