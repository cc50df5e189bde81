// The paths that name no resource: /version, the discovery documents (aggregated when the Accept
// header asks for apidiscovery.k8s.io/v2 first), /openapi/v2 (JSON or protobuf), /openapi/v3 and its
// per-group-version documents (a stale ?hash= is redirected to the current one, as the apiserver
// does), and the health endpoints.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { notAcceptable, pathNotFound } from '../api-error.js';
import { AGGREGATED_DISCOVERY_V2, aggregatedDiscovery, discoveryDocument } from '../discovery.js';
import { encodeOpenApiV2 } from '../openapi/openapi-v2-proto.js';
import { openApiV2Document } from '../openapi/openapi-v2.js';
import { openApiV3, type OpenApiV3 } from '../openapi/openapi-v3.js';
import type { ResourceTable } from '../resources.js';
import { sendBytes, sendJson } from './io.js';
import { parseAccept, wantsAggregatedDiscovery } from './negotiation.js';

// Clients ask with '@' (not a valid media type token), so the answer is labelled with '.' instead,
// as kube-openapi's handler does.
const PROTO_V2_ASKED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const PROTO_V2 = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export class NonResourceRoutes {
  private readonly v3: OpenApiV3;

  constructor(
    private readonly table: ResourceTable,
    private readonly serverAddress: () => string,
  ) {
    this.v3 = openApiV3(table);
  }

  serve(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname;
    if (req.method !== 'GET') throw pathNotFound();
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if ((path === '/api' || path === '/apis') && wantsAggregatedDiscovery(req.headers.accept)) {
      sendJson(res, 200, aggregatedDiscovery(this.table, path), { 'Content-Type': AGGREGATED_DISCOVERY_V2, Vary: 'Accept' });
      return;
    }
    if (path === '/openapi/v2') {
      this.openApiV2(req, res);
      return;
    }
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      this.openApiV3(res, url);
      return;
    }
    const doc = discoveryDocument(this.table, path, this.serverAddress());
    if (doc === undefined) throw pathNotFound();
    sendJson(res, 200, doc, path === '/version' ? {} : { Vary: 'Accept' });
  }

  private openApiV2(req: IncomingMessage, res: ServerResponse): void {
    for (const m of parseAccept(req.headers.accept)) {
      if (m.type === PROTO_V2_ASKED || m.type === PROTO_V2) {
        sendBytes(res, 200, encodeOpenApiV2(openApiV2Document(this.table)), PROTO_V2);
        return;
      }
      if (m.type === 'application/json' || m.type === '*/*') {
        sendJson(res, 200, openApiV2Document(this.table));
        return;
      }
    }
    throw notAcceptable();
  }

  private openApiV3(res: ServerResponse, url: URL): void {
    if (url.pathname === '/openapi/v3') {
      sendJson(res, 200, this.v3.root());
      return;
    }
    const gv = url.pathname.slice('/openapi/v3/'.length);
    const found = this.v3.groupVersion(gv);
    if (found === undefined) throw pathNotFound();
    const asked = url.searchParams.get('hash');
    if (asked !== null && asked !== found.hash) {
      res.writeHead(301, { Location: `/openapi/v3/${gv}?hash=${found.hash}`, 'Cache-Control': 'no-cache, no-store' });
      res.end();
      return;
    }
    const caching = asked !== null ? { 'Cache-Control': 'public, immutable', Etag: `"${found.hash}"` } : { 'Cache-Control': 'no-cache, private', Etag: `"${found.hash}"` };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(found.doc), ...caching });
    res.end(found.doc);
  }
}
