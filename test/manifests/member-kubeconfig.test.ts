// The README's "Adding a member cluster" kubeconfig step, run as written: its `kubectl config`
// block (with the real kubectl, where installed) writes a kubeconfig that stands alone (the CA
// embedded, the CA file removed) and that the reconciler's kubeconfig reader uses to reach an HTTPS
// API server with the member's token.

import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { getJson } from '../../src/k8s/api-transport.js';
import { loadApiConnection } from '../../src/k8s/kubeconfig-lite.js';

const KUBECTL = '/usr/bin/kubectl';
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
// Test-only TLS material: a CA and a server certificate for kube.test signed by it.
const TLS = fileURLToPath(new URL('../k8s/tls/', import.meta.url));
const TOKEN = 'member-token-abc';
// Asynchronous, so that this process's server can answer if kubectl asks the kubeconfig's server
// for its version (some kubectl builds dispatch to a matching minor version that way).
const run = promisify(execFile);

/** The fenced `sh` blocks of the README section "Adding a member cluster", de-indented. */
function memberSectionBlocks(): string[] {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('### Adding a member cluster\n');
  if (start < 0) throw new Error('README has no "Adding a member cluster" section');
  const rest = text.slice(text.indexOf('\n', start) + 1);
  const end = rest.search(/^#{1,3} /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const blocks: string[] = [];
  for (const m of section.matchAll(/^( *)```sh\n([\s\S]*?)^ *```$/gm)) {
    const indent = m[1]!.length;
    blocks.push(m[2]!.split('\n').map((l) => l.slice(Math.min(indent, l.search(/\S|$/)))).join('\n'));
  }
  return blocks;
}

let server: Server;
let port = 0;
let dir: string;
const seen: Array<{ authorization: string | null; path: string | undefined }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'member-kubeconfig-'));
  server = createServer({ key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.crt')) }, (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url?.startsWith('/version') === true) {
      res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0' }));
      return;
    }
    seen.push({ authorization: req.headers.authorization ?? null, path: req.url });
    res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', items: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('README: adding a member cluster', () => {
  it("writes, with the README's kubectl config commands, a standalone kubeconfig the reconciler can use", async () => {
    const block = memberSectionBlocks().find((b) => b.includes('kubectl config set-cluster'));
    expect(block, 'the kubeconfig block').toBeDefined();
    for (const step of ['set-cluster', 'set-credentials', 'set-context', 'use-context']) expect(block).toContain(`kubectl config ${step} `);
    expect(block).toContain('--embed-certs=true');
    if (!existsSync(KUBECTL)) {
      console.warn(`${KUBECTL} not found: the README's kubectl config commands were not run`);
      return;
    }
    const member = 'cluster2';
    copyFileSync(join(TLS, 'ca.crt'), join(dir, `${member}-ca.crt`));
    const env = {
      PATH: `${dirname(KUBECTL)}:${process.env['PATH'] ?? ''}`,
      HOME: dir,
      KUBECONFIG: join(dir, 'not-used'),
      MEMBER: member,
      SERVER: `https://127.0.0.1:${port}`,
      TOKEN,
    };
    await run('bash', ['-euo', 'pipefail', '-c', block!], { cwd: dir, env });
    const path = join(dir, `${member}.kubeconfig`);
    // The CA is in the file, not referenced: the README removes the CA file afterwards.
    expect(existsSync(join(dir, `${member}-ca.crt`))).toBe(false);
    expect(existsSync(join(dir, 'not-used'))).toBe(false);
    const kubeconfig = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(kubeconfig['current-context']).toBe(member);
    const cluster = (kubeconfig['clusters'] as Array<{ name: string; cluster: Record<string, string> }>)[0]!;
    expect(Buffer.from(cluster.cluster['certificate-authority-data']!, 'base64').equals(readFileSync(join(TLS, 'ca.crt')))).toBe(true);
    expect(cluster.cluster['certificate-authority']).toBeUndefined();
    // Only the test's server certificate needs this: it is for kube.test, not 127.0.0.1.
    await run(KUBECTL, ['config', 'set-cluster', member, `--kubeconfig=${path}`, '--tls-server-name=kube.test'], { env });

    const list = await getJson(loadApiConnection({ path }), '/api/v1/namespaces?limit=1', AbortSignal.timeout(5000), 5000);
    expect(list).toMatchObject({ kind: 'NamespaceList' });
    expect(seen).toEqual([{ authorization: `Bearer ${TOKEN}`, path: '/api/v1/namespaces?limit=1' }]);
  });
});
