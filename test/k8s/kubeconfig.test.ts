// The lite kubeconfig reader: file + context selection with clear errors, the credentials each
// kubeconfig field turns into (headers, TLS material), token files re-read on a clock, in-cluster
// config from an injected env and service-account directory, and the client-node fallback for
// an exec-plugin user.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { apiUrl, type ApiRequestOptions } from '../../src/k8s/connection.js';
import { KubeconfigError } from '../../src/k8s/kubeconfig.js';
import { loadApiConnection } from '../../src/k8s/kubeconfig-lite.js';

// Made at load time: the case tables below name an absolute file in it.
const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));

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
    { name: 'serverless', cluster: {} },
  ],
  users: [{ name: 'u', user: { token: 'secret' } }],
  contexts: [
    { name: 'east', context: { cluster: 'east', user: 'u' } },
    { name: 'west', context: { cluster: 'west', user: 'u' } },
    { name: 'broken', context: { cluster: 'nowhere', user: 'u' } },
    { name: 'nouser', context: { cluster: 'east', user: 'ghost' } },
    { name: 'noserver', context: { cluster: 'serverless', user: 'u' } },
  ],
  'current-context': 'east',
};

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadApiConnection from a file', () => {
  const cases: { name: string; doc?: unknown; context?: string; errContains?: string; server?: string }[] = [
    { name: 'current context', doc: twoContexts, server: 'https://east.example:6443/' },
    { name: 'named context', doc: twoContexts, context: 'west', server: 'https://west.example:6443/' },
    { name: 'missing file', errContains: 'file not found' },
    {
      name: 'unknown context',
      doc: twoContexts,
      context: 'north',
      errContains: 'context "north" not found (contexts: east, west, broken, nouser, noserver)',
    },
    { name: 'no current context', doc: { ...twoContexts, 'current-context': undefined }, errContains: 'no current-context set' },
    { name: 'current context undefined', doc: { ...twoContexts, 'current-context': 'gone' }, errContains: 'current-context "gone" is not defined' },
    { name: 'context names a missing cluster', doc: twoContexts, context: 'broken', errContains: 'cluster "nowhere", which is not defined' },
    { name: 'context names a missing user', doc: twoContexts, context: 'nouser', errContains: 'user "ghost", which is not defined' },
    { name: 'cluster without a server', doc: twoContexts, context: 'noserver', errContains: 'cluster "serverless" has no server' },
    { name: 'not yaml', doc: 'clusters: [unclosed', errContains: 'cannot be loaded' },
    { name: 'not a mapping', doc: '- a\n- b\n', errContains: 'cannot be loaded: not a YAML mapping' },
  ];
  it.each(cases)('$name', (c) => {
    const path = c.doc === undefined ? join(dir, 'absent.yaml') : kubeconfig(`${c.name.replace(/\W/g, '-')}.yaml`, c.doc);
    const load = (): ReturnType<typeof loadApiConnection> => loadApiConnection({ path, ...(c.context !== undefined ? { context: c.context } : {}) });
    if (c.errContains !== undefined) {
      expect(load).toThrow(KubeconfigError);
      expect(load).toThrow(c.errContains);
      return;
    }
    expect(load().server.href).toBe(c.server);
  });

  it('keeps a path prefix of the server when joining API paths', () => {
    const path = kubeconfig('prefix.yaml', {
      clusters: [{ name: 'c', cluster: { server: 'https://rancher.example/k8s/clusters/c-1/' } }],
      contexts: [{ name: 'x', context: { cluster: 'c' } }],
      'current-context': 'x',
    });
    expect(apiUrl(loadApiConnection({ path }), '/api/v1/namespaces').href).toBe('https://rancher.example/k8s/clusters/c-1/api/v1/namespaces');
  });
});

describe('credentials from kubeconfig fields', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  /** What the test compares: buffers as text. */
  function shown(o: ApiRequestOptions): Record<string, unknown> {
    return {
      headers: o.headers,
      rejectUnauthorized: o.rejectUnauthorized,
      ...(o.ca !== undefined ? { ca: o.ca.toString() } : {}),
      ...(o.cert !== undefined ? { cert: o.cert.toString() } : {}),
      ...(o.key !== undefined ? { key: o.key.toString() } : {}),
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
    };
  }
  const cases: {
    name: string;
    cluster?: Record<string, unknown>;
    user?: Record<string, unknown>;
    files?: Record<string, string>;
    want?: Record<string, unknown>;
    errContains?: string;
  }[] = [
    { name: 'anonymous', want: { headers: {}, rejectUnauthorized: true } },
    { name: 'bearer token', user: { token: 'tok' }, want: { headers: { Authorization: 'Bearer tok' }, rejectUnauthorized: true } },
    {
      name: 'tokenFile relative to the kubeconfig, winning over token',
      user: { token: 'inline', tokenFile: 'tok.txt' },
      files: { 'tok.txt': 'from-file\n' },
      want: { headers: { Authorization: 'Bearer from-file' }, rejectUnauthorized: true },
    },
    {
      name: 'basic auth',
      user: { username: 'admin', password: 'pw' },
      want: { headers: { Authorization: `Basic ${b64('admin:pw')}` }, rejectUnauthorized: true },
    },
    {
      name: 'inline CA and client certificate',
      cluster: { 'certificate-authority-data': b64('CA-PEM') },
      user: { 'client-certificate-data': b64('CERT-PEM'), 'client-key-data': b64('KEY-PEM') },
      want: { headers: {}, rejectUnauthorized: true, ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM' },
    },
    {
      name: 'CA and client certificate files, relative to the kubeconfig',
      cluster: { 'certificate-authority': 'pki/ca.pem' },
      user: { 'client-certificate': 'pki/cert.pem', 'client-key': join(dir, 'abs-key.pem') },
      files: { 'pki/ca.pem': 'CA-FILE', 'pki/cert.pem': 'CERT-FILE', 'abs-key.pem': 'KEY-FILE' },
      want: { headers: {}, rejectUnauthorized: true, ca: 'CA-FILE', cert: 'CERT-FILE', key: 'KEY-FILE' },
    },
    {
      name: 'insecure-skip-tls-verify and tls-server-name',
      cluster: { 'insecure-skip-tls-verify': true, 'tls-server-name': 'kube.internal' },
      want: { headers: {}, rejectUnauthorized: false, servername: 'kube.internal' },
    },
    { name: 'missing CA file', cluster: { 'certificate-authority': 'nope.pem' }, errContains: 'certificate-authority' },
    { name: 'missing token file', user: { tokenFile: 'nope.txt' }, errContains: 'tokenFile' },
    { name: 'certificate without key', user: { 'client-certificate-data': b64('C') }, errContains: 'needs both client-certificate and client-key' },
  ];
  it.each(cases)('$name', async (c) => {
    // The case's own directory, so that relative files resolve against it.
    const caseDir = mkdtempSync(join(dir, 'creds-'));
    for (const [name, text] of Object.entries(c.files ?? {})) {
      const file = name.startsWith('abs-') ? join(dir, name) : join(caseDir, name);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, text);
    }
    const path = join(caseDir, 'config');
    writeFileSync(
      path,
      stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://kube.example:6443', ...c.cluster } }],
        users: [{ name: 'u', user: c.user ?? {} }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    if (c.errContains !== undefined) {
      expect(() => loadApiConnection({ path })).toThrow(KubeconfigError);
      expect(() => loadApiConnection({ path })).toThrow(c.errContains);
      return;
    }
    expect(shown(await loadApiConnection({ path }).requestOptions())).toEqual(c.want);
  });

  it('re-reads a token file at most once a minute, keeping the last token if the file vanishes', async () => {
    const caseDir = mkdtempSync(join(dir, 'rotate-'));
    const tokenFile = join(caseDir, 'token');
    writeFileSync(tokenFile, 'first');
    const path = kubeconfig('rotate.yaml', {
      clusters: [{ name: 'c', cluster: { server: 'https://kube.example' } }],
      users: [{ name: 'u', user: { tokenFile } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    });
    let now = 1_000_000;
    const conn = loadApiConnection({ path, now: () => now });
    const auth = async (): Promise<string | undefined> => (await conn.requestOptions()).headers['Authorization'];
    writeFileSync(tokenFile, 'second');
    now += 59_000;
    expect(await auth()).toBe('Bearer first');
    now += 1_000;
    expect(await auth()).toBe('Bearer second');
    rmSync(tokenFile);
    now += 60_000;
    expect(await auth()).toBe('Bearer second');
  });
});

describe('loadApiConnection in cluster', () => {
  function serviceAccount(files: Record<string, string>): string {
    const sa = mkdtempSync(join(dir, 'sa-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(sa, name), text);
    return sa;
  }
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it('builds https://host:port with the CA and the token file as bearer, re-read as it rotates', async () => {
    const sa = serviceAccount({ token: 'sa-token\n', 'ca.crt': ca, namespace: 'mcs-system' });
    let now = 0;
    const conn = loadApiConnection({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa, now: () => now });
    expect(conn.server.href).toBe('https://10.0.0.1/');
    const opts = await conn.requestOptions();
    expect(opts.headers['Authorization']).toBe('Bearer sa-token');
    expect(opts.ca?.toString()).toBe(ca);
    expect(opts.rejectUnauthorized).toBe(true);
    writeFileSync(join(sa, 'token'), 'rotated');
    now += 60_000;
    expect((await conn.requestOptions()).headers['Authorization']).toBe('Bearer rotated');
  });

  const servers: { host: string; port: string; server: string }[] = [
    { host: 'fd00::1', port: '443', server: 'https://[fd00::1]/' },
    { host: 'kubernetes.default.svc', port: '6443', server: 'https://kubernetes.default.svc:6443/' },
    { host: '127.0.0.1', port: '8080', server: 'http://127.0.0.1:8080/' },
  ];
  it.each(servers)('server for $host port $port', (c) => {
    const sa = serviceAccount({ token: 't', 'ca.crt': ca });
    const conn = loadApiConnection({ env: { KUBERNETES_SERVICE_HOST: c.host, KUBERNETES_SERVICE_PORT: c.port }, serviceAccountDir: sa });
    expect(conn.server.href).toBe(c.server);
  });

  const errors: { name: string; env: Record<string, string>; files: Record<string, string>; errContains: string }[] = [
    { name: 'no service env', env: {}, files: { token: 't', 'ca.crt': ca }, errContains: 'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT' },
    { name: 'no token', env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' }, files: { 'ca.crt': ca }, errContains: 'token not found' },
    { name: 'no CA', env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' }, files: { token: 't' }, errContains: 'ca.crt not found' },
  ];
  it.each(errors)('error: $name', (c) => {
    const sa = serviceAccount(c.files);
    expect(() => loadApiConnection({ env: c.env, serviceAccountDir: sa })).toThrow(KubeconfigError);
    expect(() => loadApiConnection({ env: c.env, serviceAccountDir: sa })).toThrow(c.errContains);
  });
});

describe('client-node fallback', () => {
  it('an exec-plugin user gets its token from the plugin through client-node', async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec-plugin' } };
    const path = kubeconfig('exec.yaml', {
      clusters: [{ name: 'c', cluster: { server: 'https://kube.example:6443', 'insecure-skip-tls-verify': true } }],
      users: [
        {
          name: 'u',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: process.execPath,
              args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`],
              interactiveMode: 'Never',
            },
          },
        },
      ],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }, { name: 'y', context: { cluster: 'c' } }],
      'current-context': 'y',
    });
    // The context is still checked by our reader: the error is the same as for a lite user.
    expect(() => loadApiConnection({ path, context: 'z' })).toThrow('context "z" not found (contexts: x, y)');
    const conn = loadApiConnection({ path, context: 'x' });
    expect(conn.server.href).toBe('https://kube.example:6443/');
    const opts = await conn.requestOptions();
    expect(opts.headers['Authorization']).toBe('Bearer from-exec-plugin');
    expect(opts.rejectUnauthorized).toBe(false);
  });
});
