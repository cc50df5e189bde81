// An ApiConnection backed by @kubernetes/client-node, for the kubeconfigs our own reader cannot
// serve (exec credential plugins, auth-provider, impersonation, proxy-url). client-node is loaded
// with a dynamic import at the first request, so that only such configurations pay its memory and
// start-up time; nothing else may import it statically on the DNS server's path.

import type { Agent } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ApiConnection, ApiRequestOptions } from './connection.js';

export interface ClientNodeSelection {
  /** The kubeconfig file and the context in it (already checked to exist by the caller). */
  readonly path: string;
  readonly context: string;
  /** The context's cluster server, as the caller read it. */
  readonly server: URL;
}

async function loadKubeConfig(selection: ClientNodeSelection): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(selection.path);
  kc.setCurrentContext(selection.context);
  return kc;
}

function asBuffer(v: unknown): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v);
  return undefined;
}

/** client-node's https options as ours: headers flattened to strings, basic `auth` as a header. */
export function toApiRequestOptions(opts: RequestOptions): ApiRequestOptions {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  if (typeof opts.auth === 'string' && opts.auth !== '' && headers['Authorization'] === undefined) {
    headers['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  }
  const ca = asBuffer(opts.ca);
  const cert = asBuffer(opts.cert);
  const key = asBuffer(opts.key);
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    rejectUnauthorized: opts.rejectUnauthorized !== false,
    ...(typeof opts.servername === 'string' ? { servername: opts.servername } : {}),
    headers,
    ...(opts.agent instanceof Object ? { agent: opts.agent as Agent } : {}),
  };
}

export function clientNodeConnection(selection: ClientNodeSelection): ApiConnection {
  let loading: Promise<KubeConfig> | null = null;
  return {
    server: selection.server,
    async requestOptions(): Promise<ApiRequestOptions> {
      loading ??= loadKubeConfig(selection).catch((err: unknown) => {
        // Not cached: the next request tries again (the file may be fixed meanwhile).
        loading = null;
        throw err;
      });
      const kc = await loading;
      const opts: RequestOptions = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      return toApiRequestOptions(opts);
    },
  };
}
