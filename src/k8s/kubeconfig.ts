// Builds the client-node KubeConfig for one cluster: from a kubeconfig file (with an optional
// context) or from the in-cluster service account, failing early with errors that say what is
// missing instead of client-node's later "No currently active cluster".

import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

export interface KubeConfigSelection {
  /** Path of a kubeconfig file; absent means the in-cluster service account. */
  readonly path?: string;
  /** Context to use instead of the file's current-context. */
  readonly context?: string;
  /** Environment for in-cluster config (KUBERNETES_SERVICE_HOST/PORT); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Service account directory (token, ca.crt, namespace); default the standard mount. */
  readonly serviceAccountDir?: string;
}

export function loadKubeConfig(selection: KubeConfigSelection): KubeConfig {
  return selection.path !== undefined ? fromFile(selection.path, selection.context) : inCluster(selection);
}

function fromFile(path: string, context: string | undefined): KubeConfig {
  if (!existsSync(path)) throw new KubeconfigError(`kubeconfig ${path}: file not found`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${path}: cannot be loaded: ${(err as Error).message}`);
  }
  const names = kc.getContexts().map((c) => c.name);
  if (context !== undefined) {
    if (!names.includes(context)) {
      throw new KubeconfigError(`kubeconfig ${path}: context "${context}" not found (contexts: ${names.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(context);
  } else if (!kc.getCurrentContext()) {
    throw new KubeconfigError(`kubeconfig ${path}: no current-context set; name a context (contexts: ${names.join(', ') || 'none'})`);
  } else if (!names.includes(kc.getCurrentContext())) {
    throw new KubeconfigError(`kubeconfig ${path}: current-context "${kc.getCurrentContext()}" is not defined`);
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  if (ctx === null || kc.getCluster(ctx.cluster) === null) {
    throw new KubeconfigError(`kubeconfig ${path}: context "${kc.getCurrentContext()}" names cluster "${ctx?.cluster ?? ''}", which is not defined`);
  }
  if (ctx.user !== undefined && ctx.user !== '' && kc.getUser(ctx.user) === null) {
    throw new KubeconfigError(`kubeconfig ${path}: context "${kc.getCurrentContext()}" names user "${ctx.user}", which is not defined`);
  }
  return kc;
}

/** The same cluster, user and context client-node's loadFromCluster builds, from injectable inputs. */
function inCluster(selection: KubeConfigSelection): KubeConfig {
  const env = selection.env ?? process.env;
  const dir = selection.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
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
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const nsFile = join(dir, 'namespace');
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'inCluster', server, caFile, skipTLSVerify: false }],
    users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', ...(namespace !== undefined ? { namespace } : {}) }],
    currentContext: 'inClusterContext',
  });
  return kc;
}
