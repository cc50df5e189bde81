// Writes a kubeconfig file pointing at a fake API server (plain http, a dummy bearer token) that
// @kubernetes/client-node's KubeConfig.loadFromFile accepts.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export function writeKubeconfigFile(dir: string, server: string, context: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain http unless TLS verification is explicitly skipped.
    clusters: [{ name: `${context}-cluster`, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${context}-user`, user: { token: `fake-token-${context}` } }],
    contexts: [{ name: context, context: { cluster: `${context}-cluster`, user: `${context}-user`, namespace: 'default' } }],
    'current-context': context,
    preferences: {},
  };
  const file = join(dir, `kubeconfig-${context}.yaml`);
  writeFileSync(file, stringify(doc), { mode: 0o600 });
  return file;
}
