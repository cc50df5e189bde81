// DNS over TLS upstreams (`tls://`), against a fake upstream serving TLS with a certificate made
// by openssl for this run: verification against the given CA and server name, pooling over TLS.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardPlugin } from '../../src/plugins/forward/forward-plugin.js';
import { FakeUpstream, answeringA } from '../support/fake-upstream.js';
import { forwardFrom } from './forward-helpers.js';
import { REFUSE_NEXT, clientSees, makeRequest, metricValue, testRuntime } from './plugin-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'fwd-tls-'));
let upstream: FakeUpstream;
const plugins: ForwardPlugin[] = [];

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
    '-subj', '/CN=dns.test', '-addext', 'subjectAltName=DNS:dns.test',
  ], { stdio: 'ignore' });
  upstream = await FakeUpstream.start(answeringA('192.0.2.53'), {
    tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
  });
});

afterAll(async () => {
  for (const p of plugins) await p.stop();
  await upstream.stop();
});

function plugin(text: string, runtime = testRuntime()): ForwardPlugin {
  const p = forwardFrom(text, runtime, { attemptMs: 1000, deadlineMs: 2000, healthCheckMs: 200 }, dir);
  plugins.push(p);
  return p;
}

describe('forward over TLS', () => {
  it('answers through a verified TLS upstream and reuses the connection', async () => {
    const runtime = testRuntime();
    const p = plugin(`forward . tls://127.0.0.1:${upstream.port} {\n tls cert.pem\n tls_servername dns.test\n}`, runtime);
    const before = upstream.connections;
    for (const name of ['t1.example.org', 't2.example.org']) {
      const req = makeRequest(name, 'A');
      const out = clientSees(req, await p.serve(req, REFUSE_NEXT));
      expect(out.answer).toEqual([`${name}. 300 IN A 192.0.2.53`]);
    }
    expect(upstream.connections - before).toBe(1);
    expect(await metricValue(runtime, 'coredns_proxy_conn_cache_hits_total', { proto: 'tcp-tls' })).toBe(1);
  });

  it('takes the server name from tls://IP%NAME', async () => {
    const p = plugin(`forward . tls://127.0.0.1%dns.test:${upstream.port} {\n tls cert.pem\n}`);
    expect((await p.serve(makeRequest('t3.example.org', 'A'), REFUSE_NEXT)).rcode).toBe(0);
  });

  it.each([
    { name: 'a server name the certificate does not hold', options: 'tls cert.pem\n tls_servername other.test' },
    { name: 'no CA (system CAs do not know this certificate)', options: 'tls_servername dns.test' },
  ])('fails (SERVFAIL) with $name', async ({ options }) => {
    const p = plugin(`forward . tls://127.0.0.1:${upstream.port} {\n ${options}\n max_fails 0\n}`);
    const reply = await p.serve(makeRequest('t4.example.org', 'A'), REFUSE_NEXT);
    expect(reply.rcode).toBe(2);
  });
});
