// What a client needs to talk to one Kubernetes API server: its base URL and, per request, the
// TLS material and headers (credentials) to use. The informer, discovery and REST clients take
// this instead of client-node's KubeConfig, so that the DNS server never has to load client-node.

import type { Agent } from 'node:http';

export interface ApiRequestOptions {
  /** Trusted CA bundle (PEM); absent means the system roots. */
  readonly ca?: Buffer;
  /** Client certificate and key (PEM) for mutual TLS. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** False only when the kubeconfig says insecure-skip-tls-verify. */
  readonly rejectUnauthorized: boolean;
  /** SNI and the name the server certificate must carry, when it differs from the URL's host. */
  readonly servername?: string;
  /** Authorization and any other headers the credentials need. */
  readonly headers: Readonly<Record<string, string>>;
  /** A connection-specific agent (client-node's proxies); absent means node's global agents. */
  readonly agent?: Agent;
}

export interface ApiConnection {
  /** The API server's base URL, possibly with a path prefix (a proxy's /k8s/clusters/x). */
  readonly server: URL;
  /** Credentials may rotate (bound service-account tokens, exec plugins): ask before each request. */
  requestOptions(): Promise<ApiRequestOptions>;
}

/** The full URL of an API path (`/api/v1/...`) under the server's base, keeping its path prefix. */
export function apiUrl(conn: ApiConnection, path: string): URL {
  return new URL(conn.server.href.replace(/\/+$/, '') + path);
}
