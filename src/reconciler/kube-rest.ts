// A small JSON REST client for the handful of writes and reads the reconciler makes, authenticated
// through an ApiConnection (tokens, client certificates, CA; exec plugins via client-node). It exists
// because the reconciler needs raw objects (no typed-model conversion), the status subresource
// and plain 409/404 handling for every kind, including custom resources.

import http from 'node:http';
import https from 'node:https';
import { KubeApiError, nodeRequestOptions } from '../k8s/api-transport.js';
import { apiUrl, type ApiConnection } from '../k8s/connection.js';
import type { KubeObject } from './objects.js';

export { KubeApiError };

export interface ResourcePath {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export function resourceUrlPath(r: ResourcePath, namespace: string | undefined, name?: string, subresource?: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  let p = namespace === undefined ? `${base}/${r.plural}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) p += `/${subresource}`;
  return p;
}

export interface KubeRestOptions {
  readonly timeoutMs?: number;
  /** Called after each answered request (for metrics). */
  readonly onResponse?: (method: string, status: number) => void;
}

export class KubeRest {
  private readonly timeoutMs: number;

  constructor(
    private readonly connection: ApiConnection,
    private readonly opts: KubeRestOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async get<T extends KubeObject>(r: ResourcePath, namespace: string | undefined, name: string): Promise<T | null> {
    try {
      return (await this.request('GET', resourceUrlPath(r, namespace, name))) as T;
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return null;
      throw err;
    }
  }

  async create<T extends KubeObject>(r: ResourcePath, obj: T): Promise<T> {
    return (await this.request('POST', resourceUrlPath(r, obj.metadata?.namespace), obj)) as T;
  }

  async replace<T extends KubeObject>(r: ResourcePath, obj: T): Promise<T> {
    return (await this.request('PUT', resourceUrlPath(r, obj.metadata?.namespace, obj.metadata?.name), obj)) as T;
  }

  async replaceStatus<T extends KubeObject>(r: ResourcePath, obj: T): Promise<T> {
    return (await this.request('PUT', resourceUrlPath(r, obj.metadata?.namespace, obj.metadata?.name, 'status'), obj)) as T;
  }

  /** True when deleted, false when it was already gone. */
  async delete(r: ResourcePath, namespace: string | undefined, name: string): Promise<boolean> {
    try {
      await this.request('DELETE', resourceUrlPath(r, namespace, name));
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return false;
      throw err;
    }
  }

  /**
   * One request; a 429 (the API server's priority and fairness, or a rate limit) is retried after
   * its Retry-After (1 s when absent, 10 s at most), up to 5 times, as client-go does.
   */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(method, path, body);
      } catch (err) {
        if (!(err instanceof TooManyRequests) || attempt >= MAX_429_RETRIES) throw err instanceof TooManyRequests ? err.error : err;
        await new Promise((r) => setTimeout(r, err.retryAfterMs));
      }
    }
  }

  private async requestOnce(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = apiUrl(this.connection, path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const options = await nodeRequestOptions(
      this.connection,
      method,
      payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {},
    );
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          this.opts.onResponse?.(method, status);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (status >= 200 && status < 300) {
            resolve(parsed);
            return;
          }
          const st = (parsed ?? {}) as { reason?: string; message?: string };
          const error = new KubeApiError(status, st.reason ?? 'Unknown', `${method} ${path}: ${status} ${st.message ?? text.slice(0, 200)}`);
          if (status === 429) {
            const seconds = Number(res.headers['retry-after']);
            reject(new TooManyRequests(error, Number.isFinite(seconds) && seconds >= 0 ? Math.min(10_000, seconds * 1000) : 1_000));
            return;
          }
          reject(error);
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new KubeApiError(0, 'Timeout', `${method} ${path}: timed out after ${this.timeoutMs} ms`)));
      req.on('error', (err) => {
        this.opts.onResponse?.(method, 0);
        reject(err instanceof KubeApiError ? err : new KubeApiError(0, '', `${method} ${path}: ${err.message}`));
      });
      req.end(payload);
    });
  }
}

const MAX_429_RETRIES = 5;

class TooManyRequests extends Error {
  constructor(
    readonly error: KubeApiError,
    readonly retryAfterMs: number,
  ) {
    super(error.message);
  }
}

export function statusCodeOf(err: unknown): number {
  return err instanceof KubeApiError ? err.statusCode : 0;
}
