// Our own kubeconfig and in-cluster reader, so that the DNS server need not load client-node
// (+80 MB RSS and over a second of start-up for its generated models). It understands what most
// kubeconfigs use: server, CA (file or data), insecure-skip-tls-verify, tls-server-name; bearer
// token (inline or a re-read file), client certificate and key (file or data), basic auth.
// A user it cannot serve (exec plugins, auth-provider, impersonation) or a proxy-url is handed to
// client-node, loaded only then. The choice of context is checked here in every case, so a bad
// kubeconfig fails at setup with an error that says what is wrong.

import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { clientNodeConnection } from './client-node-connection.js';
import type { ApiConnection, ApiRequestOptions } from './connection.js';
import { KubeconfigError, SERVICE_ACCOUNT_DIR, type KubeConfigSelection } from './kubeconfig.js';
import { RefreshingFile } from './refreshing-file.js';

/** User fields the lite reader serves itself; any other (exec, auth-provider, as, ...) means client-node. */
const LITE_USER_FIELDS = new Set([
  'token',
  'tokenFile',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'username',
  'password',
  'extensions',
]);

/** Cluster fields that need client-node. */
const CLIENT_NODE_CLUSTER_FIELDS = ['proxy-url'];

type Bytes = () => Buffer;

interface LiteCredentials {
  readonly server: URL;
  readonly ca?: Bytes;
  readonly cert?: Bytes;
  readonly key?: Bytes;
  readonly token?: () => string;
  readonly basic?: string;
  readonly insecure: boolean;
  readonly servername?: string;
}

class LiteConnection implements ApiConnection {
  readonly server: URL;

  constructor(private readonly c: LiteCredentials) {
    this.server = c.server;
  }

  requestOptions(): Promise<ApiRequestOptions> {
    const headers: Record<string, string> = {};
    const token = this.c.token?.();
    if (token !== undefined && token !== '') headers['Authorization'] = `Bearer ${token}`;
    else if (this.c.basic !== undefined) headers['Authorization'] = `Basic ${this.c.basic}`;
    return Promise.resolve({
      ...(this.c.ca !== undefined ? { ca: this.c.ca() } : {}),
      ...(this.c.cert !== undefined ? { cert: this.c.cert() } : {}),
      ...(this.c.key !== undefined ? { key: this.c.key() } : {}),
      rejectUnauthorized: !this.c.insecure,
      ...(this.c.servername !== undefined ? { servername: this.c.servername } : {}),
      headers,
    });
  }
}

/** The connection for a kubeconfig file (and context) or, without a path, the in-cluster service account. */
export function loadApiConnection(selection: KubeConfigSelection): ApiConnection {
  const now = selection.now ?? Date.now;
  return selection.path !== undefined ? fromFile(selection.path, selection.context, now) : inCluster(selection, now);
}

type Mapping = Record<string, unknown>;

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `name`d entries of a kubeconfig list (clusters, users, contexts); the first of a name wins. */
function named(doc: Mapping, list: string, field: string): Map<string, Mapping> {
  const out = new Map<string, Mapping>();
  const items = doc[list];
  if (!Array.isArray(items)) return out;
  for (const item of items) {
    if (!isMapping(item) || typeof item['name'] !== 'string' || out.has(item['name'])) continue;
    const body = item[field];
    out.set(item['name'], isMapping(body) ? body : {});
  }
  return out;
}

function str(m: Mapping, key: string): string | undefined {
  const v = m[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function fromFile(path: string, wanted: string | undefined, now: () => number): ApiConnection {
  if (!existsSync(path)) throw new KubeconfigError(`kubeconfig ${path}: file not found`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${path}: cannot be loaded: ${(err as Error).message}`);
  }
  if (!isMapping(doc)) throw new KubeconfigError(`kubeconfig ${path}: cannot be loaded: not a YAML mapping`);
  const contexts = named(doc, 'contexts', 'context');
  const clusters = named(doc, 'clusters', 'cluster');
  const users = named(doc, 'users', 'user');
  const names = [...contexts.keys()].join(', ') || 'none';
  const current = str(doc, 'current-context');
  let contextName: string;
  if (wanted !== undefined) {
    if (!contexts.has(wanted)) throw new KubeconfigError(`kubeconfig ${path}: context "${wanted}" not found (contexts: ${names})`);
    contextName = wanted;
  } else if (current === undefined) {
    throw new KubeconfigError(`kubeconfig ${path}: no current-context set; name a context (contexts: ${names})`);
  } else if (!contexts.has(current)) {
    throw new KubeconfigError(`kubeconfig ${path}: current-context "${current}" is not defined`);
  } else {
    contextName = current;
  }
  const context = contexts.get(contextName) as Mapping;
  const clusterName = str(context, 'cluster') ?? '';
  const cluster = clusters.get(clusterName);
  if (cluster === undefined) {
    throw new KubeconfigError(`kubeconfig ${path}: context "${contextName}" names cluster "${clusterName}", which is not defined`);
  }
  const userName = str(context, 'user');
  const user = userName === undefined ? {} : users.get(userName);
  if (user === undefined) {
    throw new KubeconfigError(`kubeconfig ${path}: context "${contextName}" names user "${userName ?? ''}", which is not defined`);
  }
  const where = `kubeconfig ${path}: cluster "${clusterName}"`;
  const server = serverUrl(str(cluster, 'server'), where);
  const needsClientNode =
    Object.keys(user).some((k) => !LITE_USER_FIELDS.has(k) && user[k] !== undefined && user[k] !== null) ||
    CLIENT_NODE_CLUSTER_FIELDS.some((k) => str(cluster, k) !== undefined);
  if (needsClientNode) return clientNodeConnection({ path, context: contextName, server });

  const dir = dirname(path);
  const userWhere = `kubeconfig ${path}: user "${userName ?? ''}"`;
  const ca = bytesOf(cluster, 'certificate-authority', dir, now, where);
  const cert = bytesOf(user, 'client-certificate', dir, now, userWhere);
  const key = bytesOf(user, 'client-key', dir, now, userWhere);
  if ((cert === undefined) !== (key === undefined)) {
    throw new KubeconfigError(`${userWhere}: a client certificate needs both client-certificate and client-key`);
  }
  const tokenFile = str(user, 'tokenFile');
  const tokenBytes = tokenFile !== undefined ? fileBytes(resolvePath(dir, tokenFile), now, `${userWhere}: tokenFile`) : undefined;
  const inlineToken = str(user, 'token');
  const token = tokenBytes !== undefined ? (): string => tokenBytes().toString('utf8').trim() : inlineToken !== undefined ? (): string => inlineToken : undefined;
  const username = str(user, 'username');
  const basic = username !== undefined ? Buffer.from(`${username}:${str(user, 'password') ?? ''}`).toString('base64') : undefined;
  const servername = str(cluster, 'tls-server-name');
  return new LiteConnection({
    server,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(basic !== undefined ? { basic } : {}),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...(servername !== undefined ? { servername } : {}),
  });
}

function serverUrl(server: string | undefined, where: string): URL {
  if (server === undefined) throw new KubeconfigError(`${where} has no server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeconfigError(`${where}: server "${server}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeconfigError(`${where}: server "${server}" is neither http nor https`);
  }
  return url;
}

function resolvePath(dir: string, file: string): string {
  return isAbsolute(file) ? file : join(dir, file);
}

function fileBytes(file: string, now: () => number, what: string): Bytes {
  let f: RefreshingFile;
  try {
    f = new RefreshingFile(file, now);
  } catch (err) {
    throw new KubeconfigError(`${what} ${file} cannot be read: ${(err as Error).message}`);
  }
  return () => f.get();
}

/** `<field>` (a file, relative to the kubeconfig) or `<field>-data` (base64); the file wins, as in kubectl. */
function bytesOf(m: Mapping, field: string, dir: string, now: () => number, where: string): Bytes | undefined {
  const file = str(m, field);
  if (file !== undefined) return fileBytes(resolvePath(dir, file), now, `${where}: ${field}`);
  const data = str(m, `${field}-data`);
  if (data === undefined) return undefined;
  const bytes = Buffer.from(data, 'base64');
  return () => bytes;
}

/** The server, CA and bearer token a pod's service account gives, re-reading the rotating token. */
function inCluster(selection: KubeConfigSelection, now: () => number): ApiConnection {
  const env = selection.env ?? process.env;
  const dir = selection.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (host === undefined || host === '' || port === undefined || port === '') {
    throw new KubeconfigError(
      'in-cluster config needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (not running in a pod? give a kubeconfig path)',
    );
  }
  const tokenFile = join(dir, 'token');
  const caFile = join(dir, 'ca.crt');
  for (const file of [tokenFile, caFile]) {
    if (!existsSync(file)) throw new KubeconfigError(`in-cluster config: ${file} not found (is a service account token mounted?)`);
  }
  // The same scheme rule as client-node's loadFromCluster: the well-known plain ports are http.
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const server = serverUrl(`${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`, 'in-cluster config');
  const token = fileBytes(tokenFile, now, 'in-cluster config:');
  const ca = fileBytes(caFile, now, 'in-cluster config:');
  return new LiteConnection({ server, ca, token: () => token().toString('utf8').trim(), insecure: false });
}
