// HTTP to one Kubernetes API server with the credentials and TLS settings of an ApiConnection,
// over node:http(s): a JSON GET, and a streaming GET for watches. Non-2xx answers become
// KubeApiError with the Status.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { apiUrl, type ApiConnection } from './connection.js';

export class KubeApiError extends Error {
  constructor(
    /** HTTP status, or 0 when no answer arrived (connection refused, reset, timeout). */
    readonly statusCode: number,
    /** The Status reason (`Expired`, `NotFound`, ...) when the server sent one. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The node:http(s) options of one request: the connection's TLS material and headers. */
export async function nodeRequestOptions(conn: ApiConnection, method: string, extraHeaders: Record<string, string> = {}): Promise<RequestOptions> {
  const o = await conn.requestOptions();
  return {
    method,
    headers: { Accept: 'application/json', ...o.headers, ...extraHeaders },
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
    ...(o.cert !== undefined ? { cert: o.cert } : {}),
    ...(o.key !== undefined ? { key: o.key } : {}),
    rejectUnauthorized: o.rejectUnauthorized,
    ...(o.servername !== undefined ? { servername: o.servername } : {}),
    ...(o.agent !== undefined ? { agent: o.agent } : {}),
  };
}

async function open(conn: ApiConnection, path: string, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
  const url = apiUrl(conn, path);
  const opts = await nodeRequestOptions(conn, 'GET');
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { ...opts, signal }, resolve);
    // Until the headers arrive; the caller watches the body for idleness itself.
    const timer = setTimeout(() => req.destroy(new KubeApiError(0, 'Timeout', `no answer from ${url.host} within ${timeoutMs} ms`)), timeoutMs);
    req.once('response', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof KubeApiError ? err : new KubeApiError(0, '', `${url.host}: ${err.message}`));
    });
    req.end();
  });
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function failure(res: IncomingMessage, path: string): Promise<KubeApiError> {
  const text = await readAll(res).catch(() => '');
  let reason = '';
  let message = `GET ${path}: HTTP ${res.statusCode ?? 0}`;
  try {
    const status = JSON.parse(text) as { reason?: unknown; message?: unknown };
    if (typeof status.reason === 'string') reason = status.reason;
    if (typeof status.message === 'string') message += `: ${status.message}`;
  } catch {
    // Not a Status object (a proxy's error page): the HTTP code says enough.
  }
  return new KubeApiError(res.statusCode ?? 0, reason, message);
}

export async function getJson(conn: ApiConnection, path: string, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  const res = await open(conn, path, signal, timeoutMs);
  if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) throw await failure(res, path);
  const text = await readAll(res);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new KubeApiError(res.statusCode ?? 0, '', `GET ${path}: invalid JSON: ${(err as Error).message}`);
  }
}

/** Opens a watch; resolves with the streaming response once the server answered 200. */
export async function openStream(conn: ApiConnection, path: string, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
  const res = await open(conn, path, signal, timeoutMs);
  if (res.statusCode !== 200) throw await failure(res, path);
  return res;
}
