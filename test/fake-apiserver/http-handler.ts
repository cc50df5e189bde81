// The HTTP front of the fake API server: turns a request into (verb, resource, namespace, name),
// logs it, applies injected latency and failures, and dispatches to the non-resource paths
// (discovery, OpenAPI, health) or to a resource; every error goes out as a Status object with the
// real status code.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, injectedFault } from './api-error.js';
import type { Faults } from './faults.js';
import { sendJson } from './http/io.js';
import { NonResourceRoutes } from './http/non-resource-routes.js';
import { isWatch, ResourceRoutes, type RouteTarget } from './http/resource-routes.js';
import type { RequestLog, RequestRecord, Verb } from './request-log.js';
import type { ResourceTable } from './resources.js';
import type { ObjectStore } from './store.js';
import type { WatchHub } from './watch-hub.js';

export type { RouteTarget } from './http/resource-routes.js';

/** Parses a resource path; undefined when it names no served resource. */
export function parseResourcePath(table: ResourceTable, path: string): RouteTarget | undefined {
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && rest[2] === 'status')) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural = '', name, sub, ...extra] = rest;
  if (extra.length > 0 || (sub !== undefined && sub !== 'status')) return undefined;
  const def = table.byPath(group, version, plural);
  if (def === undefined) return undefined;
  if (namespace !== undefined && !def.namespaced) return undefined;
  // A namespaced object is only addressable inside its namespace.
  if (def.namespaced && namespace === undefined && name !== undefined) return undefined;
  const target: RouteTarget = { def, version, status: sub === 'status' };
  return {
    ...target,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

function verbOf(method: string, target: RouteTarget | undefined, watch: boolean): Verb {
  if (target === undefined) return 'discovery';
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return target.name !== undefined ? 'get' : watch ? 'watch' : 'list';
  }
}

export class HttpHandler {
  private readonly nonResource: NonResourceRoutes;
  private readonly resources: ResourceRoutes;

  constructor(
    private readonly table: ResourceTable,
    store: ObjectStore,
    watches: WatchHub,
    private readonly faults: Faults,
    private readonly log: RequestLog,
    serverAddress: () => string,
  ) {
    this.nonResource = new NonResourceRoutes(table, serverAddress);
    this.resources = new ResourceRoutes(store, watches);
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.serve(req, res).catch((err: unknown) => {
      const status = err instanceof ApiError ? err.status : injectedFault(500);
      if (!(err instanceof ApiError)) status.message = `Internal error occurred: ${String(err)}`;
      sendJson(res, status.code, status);
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const target = parseResourcePath(this.table, url.pathname);
    const query = url.searchParams;
    const record: RequestRecord = {
      method,
      path: `${url.pathname}${url.search}`,
      verb: verbOf(method, target, isWatch(query)),
      resource: target === undefined ? '' : target.status ? `${target.def.plural}/status` : target.def.plural,
      ...(target?.namespace !== undefined ? { namespace: target.namespace } : {}),
      ...(target?.name !== undefined ? { name: target.name } : {}),
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
      status: 0,
    };
    this.log.add(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    const latency = this.faults.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (res.destroyed) return;

    if (this.faults.overRate(Date.now())) {
      res.setHeader('Retry-After', '1');
      const status = injectedFault(429);
      status.message = 'Too many requests, please try again later.';
      sendJson(res, 429, status);
      return;
    }

    const failure = this.faults.take(record.path);
    if (failure !== null) {
      const status = injectedFault(failure);
      sendJson(res, status.code, status);
      return;
    }

    if (target === undefined) {
      this.nonResource.serve(req, res, url);
      return;
    }
    await this.resources.serve(req, res, target, query);
  }
}
