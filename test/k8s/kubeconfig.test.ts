// Kubeconfig loading: file + context selection with clear errors, and in-cluster config from
// injected env and service-account directory, checked by the credentials client-node applies.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigError, loadKubeConfig } from '../../src/k8s/kubeconfig.js';

let dir: string;

function kubeconfig(name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
  return file;
}

const twoContexts = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    { name: 'east', cluster: { server: 'https://east.example:6443' } },
    { name: 'west', cluster: { server: 'https://west.example:6443' } },
  ],
  users: [{ name: 'u', user: { token: 'secret' } }],
  contexts: [
    { name: 'east', context: { cluster: 'east', user: 'u' } },
    { name: 'west', context: { cluster: 'west', user: 'u' } },
    { name: 'broken', context: { cluster: 'nowhere', user: 'u' } },
    { name: 'nouser', context: { cluster: 'east', user: 'ghost' } },
  ],
  'current-context': 'east',
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadKubeConfig from a file', () => {
  const cases: { name: string; doc?: unknown; context?: string; errContains?: string; server?: string }[] = [
    { name: 'current context', doc: twoContexts, server: 'https://east.example:6443' },
    { name: 'named context', doc: twoContexts, context: 'west', server: 'https://west.example:6443' },
    { name: 'missing file', errContains: 'file not found' },
    { name: 'unknown context', doc: twoContexts, context: 'north', errContains: 'context "north" not found (contexts: east, west, broken, nouser)' },
    { name: 'no current context', doc: { ...twoContexts, 'current-context': undefined }, errContains: 'no current-context set' },
    { name: 'current context undefined', doc: { ...twoContexts, 'current-context': 'gone' }, errContains: 'current-context "gone" is not defined' },
    { name: 'context names a missing cluster', doc: twoContexts, context: 'broken', errContains: 'cluster "nowhere", which is not defined' },
    { name: 'context names a missing user', doc: twoContexts, context: 'nouser', errContains: 'user "ghost", which is not defined' },
    { name: 'not yaml', doc: 'clusters: [unclosed', errContains: 'cannot be loaded' },
  ];
  it.each(cases)('$name', (c) => {
    const path = c.doc === undefined ? join(dir, 'absent.yaml') : kubeconfig(`${c.name.replace(/\W/g, '-')}.yaml`, c.doc);
    const load = (): ReturnType<typeof loadKubeConfig> => loadKubeConfig({ path, ...(c.context !== undefined ? { context: c.context } : {}) });
    if (c.errContains !== undefined) {
      expect(load).toThrow(KubeconfigError);
      expect(load).toThrow(c.errContains);
      return;
    }
    expect(load().getCurrentCluster()?.server).toBe(c.server);
  });
});

describe('loadKubeConfig in cluster', () => {
  function serviceAccount(files: Record<string, string>): string {
    const sa = mkdtempSync(join(dir, 'sa-'));
    mkdirSync(sa, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(sa, name), text);
    return sa;
  }
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it('builds https://host:port with the token file as bearer and the namespace', async () => {
    const sa = serviceAccount({ token: 'sa-token', 'ca.crt': ca, namespace: 'mcs-system' });
    const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa });
    expect(kc.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('mcs-system');
    const opts: { headers?: Record<string, string>; ca?: Buffer } = {};
    await kc.applyToHTTPSOptions(opts);
    expect(opts.headers?.Authorization).toBe('Bearer sa-token');
    expect(opts.ca?.toString()).toBe(ca);
  });

  it('brackets an IPv6 service host', () => {
    const sa = serviceAccount({ token: 't', 'ca.crt': ca });
    const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa });
    expect(kc.getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
  });

  const errors: { name: string; env: Record<string, string>; files: Record<string, string>; errContains: string }[] = [
    { name: 'no service env', env: {}, files: { token: 't', 'ca.crt': ca }, errContains: 'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT' },
    { name: 'no token', env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' }, files: { 'ca.crt': ca }, errContains: 'token not found' },
    { name: 'no CA', env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' }, files: { token: 't' }, errContains: 'ca.crt not found' },
  ];
  it.each(errors)('error: $name', (c) => {
    const sa = serviceAccount(c.files);
    expect(() => loadKubeConfig({ env: c.env, serviceAccountDir: sa })).toThrow(c.errContains);
  });
});
