// DNS-over-HTTPS upstreams (`https://`), through the real forward plugin and Node's HTTP/2 client,
// against the local DoH test server (test/support/doh-server.ts) with a certificate openssl makes
// for this run: POST by default and GET with `doh_method GET`, the ID 0 of RFC 8484 on the wire
// and the client's own ID back, the server name from `tls_servername` or `https://IP%NAME`, and
// the next upstream tried when a DoH upstream fails.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardPlugin } from '../../src/plugins/forward/forward-plugin.js';
import { DohServer } from '../support/doh-server.js';
import { answeringA } from '../support/fake-upstream.js';
import { forwardFrom } from './forward-helpers.js';
import { REFUSE_NEXT, clientSees, makeRequest, testRuntime } from './plugin-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'fwd-doh-'));
let doh: DohServer;
const plugins: ForwardPlugin[] = [];

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
    '-subj', '/CN=doh.test', '-addext', 'subjectAltName=DNS:doh.test',
  ], { stdio: 'ignore' });
  doh = await DohServer.start(answeringA('192.0.2.80'), { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
});

afterAll(async () => {
  for (const p of plugins) await p.stop();
  await doh.stop();
});

function plugin(text: string): ForwardPlugin {
  const p = forwardFrom(text, testRuntime(), { attemptMs: 1000, deadlineMs: 2000, healthCheckMs: 200 }, dir);
  plugins.push(p);
  return p;
}

describe('forward over DNS over HTTPS', () => {
  const methods = [
    { what: 'POST by default', options: '', method: 'POST', path: /^\/dns-query$/, contentType: 'application/dns-message' },
    { what: 'GET with doh_method GET', options: 'doh_method GET', method: 'GET', path: /^\/dns-query\?dns=[A-Za-z0-9_-]+$/, contentType: undefined },
  ];
  it.each(methods)('$what', async ({ options, method, path, contentType }) => {
    const p = plugin(`forward . https://127.0.0.1:${doh.port} {\n tls cert.pem\n tls_servername doh.test\n ${options}\n}`);
    const req = makeRequest('WWW.Example.ORG', 'A', { id: 4242, proto: 'udp' });
    const seen = clientSees(req, await p.serve(req, REFUSE_NEXT));
    expect([seen.id, seen.rcode, seen.answer]).toEqual([4242, 'NOERROR', ['WWW.Example.ORG. 300 IN A 192.0.2.80']]);
    const last = doh.requests[doh.requests.length - 1]!;
    expect(last).toMatchObject({ method, contentType, accept: 'application/dns-message' });
    expect(last.path).toMatch(path);
    // RFC 8484 §4.1: the DNS ID is 0 on the wire, for HTTP caches.
    expect(last.query?.id).toBe(0);
  });

  it('takes the server name from https://IP%NAME', async () => {
    const p = plugin(`forward . https://127.0.0.1%doh.test:${doh.port} {\n tls cert.pem\n}`);
    const req = makeRequest('a.example.org', 'A', { proto: 'tcp' });
    expect(clientSees(req, await p.serve(req, REFUSE_NEXT)).answer).toEqual(['a.example.org. 300 IN A 192.0.2.80']);
  });

  it('refuses a certificate that does not name the server, and tries the next upstream', async () => {
    const bad = plugin(`forward . https://127.0.0.1:${doh.port} {\n tls cert.pem\n tls_servername other.test\n max_fails 0\n}`);
    const req = makeRequest('b.example.org', 'A');
    expect(clientSees(req, await bad.serve(req, REFUSE_NEXT)).rcode).toBe('SERVFAIL');
    // Two DoH upstreams with their own server names: the first's certificate does not match.
    const second = await DohServer.start(answeringA('192.0.2.81'), { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
    try {
      const before = doh.requests.length;
      const good = plugin(`forward . https://127.0.0.1%other.test:${doh.port} https://127.0.0.1%doh.test:${second.port} {\n tls cert.pem\n policy sequential\n}`);
      expect(clientSees(req, await good.serve(req, REFUSE_NEXT)).answer).toEqual(['b.example.org. 300 IN A 192.0.2.81']);
      // The handshake failed before any request reached the first server.
      expect(doh.requests.length).toBe(before);
    } finally {
      await second.stop();
    }
  });

  it('counts an HTTP error status as a failed exchange', async () => {
    const p = plugin(`forward . https://127.0.0.1%doh.test:${doh.port} {\n tls cert.pem\n max_fails 0\n max_connect_attempts 1\n}`);
    doh.status = 503;
    try {
      const req = makeRequest('c.example.org', 'A');
      expect(clientSees(req, await p.serve(req, REFUSE_NEXT)).rcode).toBe('SERVFAIL');
    } finally {
      doh.status = 200;
    }
  });

  it('carries many queries at once on one HTTP/2 session', async () => {
    const p = plugin(`forward . https://127.0.0.1%doh.test:${doh.port} {\n tls cert.pem\n}`);
    const names = Array.from({ length: 20 }, (_, i) => `n${i}.example.org`);
    const replies = await Promise.all(names.map(async (n) => clientSees(makeRequest(n, 'A'), await p.serve(makeRequest(n, 'A'), REFUSE_NEXT))));
    expect(replies.map((r) => r.answer[0])).toEqual(names.map((n) => `${n}. 300 IN A 192.0.2.80`));
  });
});
