// The lite reader's TLS settings on a real socket: an HTTPS server on 127.0.0.1 whose certificate
// is for `kube.test` (signed by the test CA) and that requires a client certificate. Each case is
// a kubeconfig; the request through api-transport must succeed or fail as the settings dictate.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { getJson } from '../../src/k8s/api-transport.js';
import { loadApiConnection } from '../../src/k8s/kubeconfig-lite.js';

const tls = fileURLToPath(new URL('./tls/', import.meta.url));
const pem = (name: string): Buffer => readFileSync(join(tls, name));

let server: Server;
let port = 0;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-tls-'));
  server = createServer({ key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ clientCN: peer.subject?.CN ?? null, authorization: req.headers.authorization ?? null, path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const fullCluster = { 'certificate-authority': join(tls, 'ca.crt'), 'tls-server-name': 'kube.test' };
const fullUser = {
  'client-certificate-data': pem('client.crt').toString('base64'),
  'client-key': join(tls, 'client.key'),
  token: 'tls-token',
};

const cases: { name: string; cluster: Record<string, unknown>; user: Record<string, unknown>; ok: boolean; errContains?: string }[] = [
  { name: 'CA, server name and client certificate', cluster: fullCluster, user: fullUser, ok: true },
  { name: 'insecure-skip-tls-verify instead of the CA', cluster: { 'insecure-skip-tls-verify': true }, user: fullUser, ok: true },
  { name: 'no CA: the server is not trusted', cluster: { 'tls-server-name': 'kube.test' }, user: fullUser, ok: false, errContains: 'self-signed certificate' },
  {
    name: 'no tls-server-name: 127.0.0.1 is not in the certificate',
    cluster: { 'certificate-authority': join(tls, 'ca.crt') },
    user: fullUser,
    ok: false,
    errContains: 'does not match certificate',
  },
  { name: 'no client certificate: the server refuses', cluster: fullCluster, user: { token: 'tls-token' }, ok: false, errContains: 'certificate required' },
];

describe('lite kubeconfig TLS against a real HTTPS server', () => {
  it.each(cases)('$name', async (c) => {
    const path = join(dir, `${c.name.replace(/\W/g, '-')}.yaml`);
    writeFileSync(
      path,
      stringify({
        clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, ...c.cluster } }],
        users: [{ name: 'u', user: c.user }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const get = getJson(loadApiConnection({ path }), '/api/v1/namespaces', AbortSignal.timeout(5000), 5000);
    if (!c.ok) {
      await expect(get).rejects.toThrow(c.errContains);
      return;
    }
    expect(await get).toEqual({ clientCN: 'dns-client', authorization: 'Bearer tls-token', path: '/api/v1/namespaces' });
  });
});
