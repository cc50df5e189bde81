// The vocabulary of choosing a cluster's credentials: which kubeconfig (and context) or the
// in-cluster service account, and the error every loader throws when that choice cannot work.
// The loaders are kubeconfig-lite.ts (ours) and client-node-connection.ts (the fallback).

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
  /** Clock for re-reading token and certificate files; default Date.now. */
  readonly now?: () => number;
}
