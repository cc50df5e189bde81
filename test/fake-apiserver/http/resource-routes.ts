// Requests on a resource: list (or watch) a collection, create in it, and get/replace/patch/delete
// one object or its status; reads answer a meta.k8s.io Table when the Accept header asks for one,
// writes decode their body per fieldValidation and carry its warnings back as Warning headers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, methodNotAllowed, notAcceptable, pathNotFound } from '../api-error.js';
import { decodeWrite, parseFieldValidation } from '../decoder.js';
import { patchApplier } from '../patch-request.js';
import { apiVersionOf, type ResourceDef } from '../resources.js';
import { parseFieldSelector, parseLabelSelector } from '../selectors.js';
import type { ObjectStore } from '../store.js';
import { parseIncludeObject, toTable } from '../table/table-convertor.js';
import { isRecord, type KubeObject } from '../types.js';
import type { WatchHub } from '../watch-hub.js';
import { readBody, sendJson, warningHeader } from './io.js';
import { pageOf } from './list-pages.js';
import { negotiateResource } from './negotiation.js';

export interface RouteTarget {
  readonly def: ResourceDef;
  readonly version: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly status: boolean;
}

export function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === 'true' || w === '1';
}

function present(obj: KubeObject, t: RouteTarget): KubeObject {
  return { ...obj, apiVersion: apiVersionOf(t.def.group, t.version) };
}

function warningHeaders(warnings: readonly string[]): Record<string, string[]> {
  return warnings.length === 0 ? {} : { Warning: warnings.map(warningHeader) };
}

export class ResourceRoutes {
  constructor(
    private readonly store: ObjectStore,
    private readonly watches: WatchHub,
  ) {}

  async serve(req: IncomingMessage, res: ServerResponse, t: RouteTarget, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET') {
      const dryRun = query.getAll('dryRun').filter((d) => d !== '');
      if (dryRun.length > 0) throw badRequest('dryRun is not supported by this test API server');
    }
    if (t.name === undefined) {
      if (t.status) throw pathNotFound();
      if (method === 'GET') return this.list(req, res, t, query);
      if (method === 'POST') return this.create(req, res, t, query);
      throw methodNotAllowed();
    }
    switch (method) {
      case 'GET':
        return this.get(req, res, t, t.name, query);
      case 'PUT':
        return this.replace(req, res, t, t.name, query);
      case 'PATCH':
        return this.patch(req, res, t, t.name, query);
      case 'DELETE':
        return this.delete(req, res, t, t.name);
      default:
        throw methodNotAllowed();
    }
  }

  private list(req: IncomingMessage, res: ServerResponse, t: RouteTarget, query: URLSearchParams): void {
    const { def, version } = t;
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
    const rendering = negotiateResource(req.headers.accept);
    if (rendering === 'not-acceptable') throw notAcceptable();
    const page = pageOf(this.store.listShared(def, selection), query);
    if (rendering === 'table') {
      const items = page.items.map((o) => present(o, t));
      sendJson(res, 200, toTable(def, version, items, page, parseIncludeObject(query.get('includeObject'))));
      return;
    }
    const metadata: Record<string, unknown> = { resourceVersion: page.resourceVersion };
    if (page.continue !== undefined) metadata.continue = page.continue;
    if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
    // Built-in types list their items without apiVersion/kind; custom resources keep them.
    const shown = page.items.map((o) => {
      if (def.crd) return present(o, t);
      const { apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    });
    const listKind = def.custom?.listKind ?? `${def.kind}List`;
    sendJson(res, 200, { kind: listKind, apiVersion: apiVersionOf(def.group, version), metadata, items: shown });
  }

  private get(req: IncomingMessage, res: ServerResponse, t: RouteTarget, name: string, query: URLSearchParams): void {
    const rendering = negotiateResource(req.headers.accept);
    if (rendering === 'not-acceptable') throw notAcceptable();
    const obj = present(this.store.get(t.def, t.namespace, name), t);
    if (rendering === 'table') {
      const meta = { resourceVersion: obj.metadata.resourceVersion ?? '' };
      sendJson(res, 200, toTable(t.def, t.version, [obj], meta, parseIncludeObject(query.get('includeObject'))));
      return;
    }
    sendJson(res, 200, obj);
  }

  private async create(req: IncomingMessage, res: ServerResponse, t: RouteTarget, query: URLSearchParams): Promise<void> {
    const validation = parseFieldValidation(query.get('fieldValidation'));
    const body = await readBody(req);
    const decoded = decodeWrite(t.def, t.version, body, validation);
    const created = this.store.create(t.def, t.version, t.namespace, decoded.obj);
    sendJson(res, 201, present(created, t), warningHeaders(decoded.warnings));
  }

  private async replace(req: IncomingMessage, res: ServerResponse, t: RouteTarget, name: string, query: URLSearchParams): Promise<void> {
    const validation = parseFieldValidation(query.get('fieldValidation'));
    const body = await readBody(req);
    const decoded = decodeWrite(t.def, t.version, body, validation);
    const updated = this.store.update(t.def, t.version, t.namespace, name, decoded.obj, t.status);
    sendJson(res, 200, present(updated, t), warningHeaders(decoded.warnings));
  }

  private async patch(req: IncomingMessage, res: ServerResponse, t: RouteTarget, name: string, query: URLSearchParams): Promise<void> {
    const validation = parseFieldValidation(query.get('fieldValidation'));
    const body = await readBody(req);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const warnings: string[] = [];
    const apply = patchApplier(t.def, t.version, contentType, body, validation, warnings);
    const patched = this.store.patch(t.def, t.version, t.namespace, name, apply, t.status);
    sendJson(res, 200, present(patched, t), warningHeaders(warnings));
  }

  private async delete(req: IncomingMessage, res: ServerResponse, t: RouteTarget, name: string): Promise<void> {
    if (t.status) throw methodNotAllowed();
    const body = await readBody(req);
    if (isRecord(body) && Array.isArray(body.dryRun) && body.dryRun.length > 0) throw badRequest('dryRun is not supported by this test API server');
    const pre = isRecord(body) && isRecord(body.preconditions) ? body.preconditions : {};
    const preconditions = {
      ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    };
    sendJson(res, 200, present(this.store.delete(t.def, t.namespace, name, preconditions), t));
  }
}
