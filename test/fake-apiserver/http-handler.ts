// The HTTP front of the fake API server: turns a request into (verb, resource, namespace, name),
// logs it, applies injected latency and failures, and dispatches to discovery, the store or a
// watch stream; every error goes out as a Status object with the real status code.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, injectedFault, methodNotAllowed, pathNotFound, unsupportedMediaType } from './api-error.js';
import { discoveryDocument } from './discovery.js';
import type { Faults } from './faults.js';
import { applyJsonPatch, applyMergePatch } from './patches.js';
import type { RequestLog, RequestRecord, Verb } from './request-log.js';
import { apiVersionOf, type ResourceDef, type ResourceTable } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { ObjectStore } from './store.js';
import { isRecord, type KubeObject } from './types.js';
import type { WatchHub } from './watch-hub.js';

export interface RouteTarget {
  readonly def: ResourceDef;
  readonly version: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly status: boolean;
}

const MAX_BODY = 3 * 1024 * 1024;

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

function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === 'true' || w === '1';
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new ApiError({ ...badRequest('request body too large').status, code: 413, reason: 'RequestEntityTooLarge' });
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding request body: ${(err as Error).message}`);
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

interface ContinueToken {
  readonly after: string;
}

export class HttpHandler {
  constructor(
    private readonly table: ResourceTable,
    private readonly store: ObjectStore,
    private readonly watches: WatchHub,
    private readonly faults: Faults,
    private readonly log: RequestLog,
    private readonly serverAddress: () => string,
  ) {}

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

    const failure = this.faults.take(record.path);
    if (failure !== null) {
      const status = injectedFault(failure);
      sendJson(res, status.code, status);
      return;
    }

    if (target === undefined) {
      const doc = method === 'GET' ? discoveryDocument(this.table, url.pathname, this.serverAddress()) : undefined;
      if (doc === undefined) {
        if (url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/livez') {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('ok');
          return;
        }
        throw pathNotFound();
      }
      sendJson(res, 200, doc);
      return;
    }
    await this.serveResource(req, res, target, query, method);
  }

  private present(obj: KubeObject, target: RouteTarget): KubeObject {
    return { ...obj, apiVersion: apiVersionOf(target.def.group, target.version) };
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, t: RouteTarget, query: URLSearchParams, method: string): Promise<void> {
    const { def, version } = t;
    const { store } = this;
    if (t.name === undefined) {
      if (t.status) throw pathNotFound();
      if (method === 'GET') {
        const selection = {
          ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
          labels: parseLabelSelector(query.get('labelSelector')),
          fields: parseFieldSelector(query.get('fieldSelector')),
        };
        if (isWatch(query)) {
          const timeout = query.get('timeoutSeconds');
          this.watches.open(res, {
            def,
            version,
            selection,
            resourceVersion: query.get('resourceVersion'),
            allowBookmarks: query.get('allowWatchBookmarks') === 'true',
            timeoutSeconds: timeout !== null && Number(timeout) > 0 ? Number(timeout) : null,
          });
          return;
        }
        this.sendList(res, t, store.listShared(def, selection), query);
        return;
      }
      if (method === 'POST') {
        const body = await readBody(req);
        sendJson(res, 201, this.present(store.create(def, version, t.namespace, body), t));
        return;
      }
      throw methodNotAllowed();
    }

    const name = t.name;
    switch (method) {
      case 'GET':
        sendJson(res, 200, this.present(store.get(def, t.namespace, name), t));
        return;
      case 'PUT': {
        const body = await readBody(req);
        sendJson(res, 200, this.present(store.update(def, version, t.namespace, name, body, t.status), t));
        return;
      }
      case 'PATCH': {
        const body = await readBody(req);
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
        let apply: (current: KubeObject) => unknown;
        if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
          if (!isRecord(body)) throw badRequest('a merge patch must be a JSON object');
          // A resourceVersion in the patch is a precondition, as with a PUT.
          apply = (current) => applyMergePatch(current, body);
        } else if (contentType === 'application/json-patch+json') {
          apply = (current) => applyJsonPatch(current, body);
        } else {
          throw unsupportedMediaType(contentType);
        }
        sendJson(res, 200, this.present(store.patch(def, version, t.namespace, name, apply, t.status), t));
        return;
      }
      case 'DELETE': {
        if (t.status) throw methodNotAllowed();
        const body = await readBody(req);
        const pre = isRecord(body) && isRecord(body.preconditions) ? body.preconditions : {};
        const preconditions = {
          ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
          ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
        };
        sendJson(res, 200, this.present(store.delete(def, t.namespace, name, preconditions), t));
        return;
      }
      default:
        throw methodNotAllowed();
    }
  }

  private sendList(
    res: ServerResponse,
    t: RouteTarget,
    listed: { entries: readonly (readonly [string, KubeObject])[]; resourceVersion: number },
    query: URLSearchParams,
  ): void {
    const entries = listed.entries;
    let start = 0;
    const cont = query.get('continue');
    if (cont !== null && cont !== '') {
      let token: ContinueToken;
      try {
        token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as ContinueToken;
      } catch {
        throw badRequest('continue key is not valid');
      }
      // The first key after the token's (keys are sorted).
      let hi = entries.length;
      while (start < hi) {
        const mid = (start + hi) >>> 1;
        if ((entries[mid] as readonly [string, KubeObject])[0] > token.after) hi = mid;
        else start = mid + 1;
      }
    }
    const metadata: Record<string, unknown> = { resourceVersion: String(listed.resourceVersion) };
    const limit = Number(query.get('limit') ?? '0');
    let end = entries.length;
    if (Number.isInteger(limit) && limit > 0 && end - start > limit) {
      end = start + limit;
      const lastKey = (entries[end - 1] as readonly [string, KubeObject])[0];
      metadata.continue = Buffer.from(JSON.stringify({ after: lastKey } satisfies ContinueToken)).toString('base64url');
      metadata.remainingItemCount = entries.length - end;
    }
    // The stored objects are only serialized (sendJson stringifies at once), so they need no copy.
    const items = entries.slice(start, end).map(([, obj]) => obj);
    // Built-in types list their items without apiVersion/kind; custom resources keep them.
    const shown = items.map((o) => {
      if (t.def.crd) return this.present(o, t);
      const { apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    });
    sendJson(res, 200, { kind: `${t.def.kind}List`, apiVersion: apiVersionOf(t.def.group, t.version), metadata, items: shown });
  }
}
