// `forward` directive validation as a table of {input, shouldErr, errContains}, plus the parsed
// values that matter (defaults, TO forms, resolv.conf expansion).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseForward } from '../../src/plugins/forward/config.js';
import { forwardFactory } from '../../src/plugins/forward/setup.js';
import type { ToEntry } from '../../src/plugins/forward/to-address.js';
import { checkConfigCase, directiveOf, setupContext, testRuntime } from './plugin-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'fwd-config-'));
writeFileSync(join(dir, 'resolv.conf'), '# comment\nsearch example.org\nnameserver 10.0.0.1\nnameserver fd00::53\noptions ndots:5\n');
writeFileSync(join(dir, 'empty.conf'), 'search example.org\n');
writeFileSync(join(dir, 'ca.pem'), 'not really a cert but readable');

const parse = (text: string) => parseForward(directiveOf(`. {\n${text}\n}`), dir);
const labelOf = (u: ToEntry): string => ('label' in u ? u.label : u.text);

describe('forward config', () => {
  it.each([
    { input: 'forward . 127.0.0.1', shouldErr: false, errContains: '' },
    { input: 'forward .', shouldErr: true, errContains: 'argument' },
    { input: 'forward', shouldErr: true, errContains: 'argument' },
    { input: 'forward . not_a_name!', shouldErr: true, errContains: 'not an IP address, file, or valid domain' },
    { input: 'forward . 10.0.0', shouldErr: true, errContains: 'not an IP address, file, or valid domain' },
    { input: 'forward . quic://9.9.9.9', shouldErr: true, errContains: "'quic' is not supported" },
    { input: 'forward . https://9.9.9.9/dns-query', shouldErr: true, errContains: 'paths are not allowed' },
    { input: 'forward . https://9.9.9.9', shouldErr: false, errContains: '' },
    { input: 'forward . tls://dns.example.net', shouldErr: false, errContains: '' },
    { input: 'forward . dns.example.net:99999', shouldErr: true, errContains: 'invalid port' },
    { input: 'forward . 127.0.0.1:99999', shouldErr: true, errContains: 'invalid port' },
    { input: 'forward . 127.0.0.1:0', shouldErr: true, errContains: 'invalid port' },
    { input: 'forward . empty.conf', shouldErr: true, errContains: 'no nameserver lines' },
    { input: `forward . ${Array.from({ length: 16 }, (_, i) => `10.0.0.${i + 1}`).join(' ')}`, shouldErr: true, errContains: 'more than 15' },
    { input: `forward . ${Array.from({ length: 15 }, (_, i) => `10.0.0.${i + 1}`).join(' ')}`, shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n except\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n force_tcp yes\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n prefer_udp 1\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n expire\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n expire soon\n}', shouldErr: true, errContains: 'invalid expire' },
    { input: 'forward . 1.1.1.1 {\n expire -1s\n}', shouldErr: true, errContains: 'invalid expire' },
    { input: 'forward . 1.1.1.1 {\n max_fails -1\n}', shouldErr: true, errContains: 'max_fails' },
    { input: 'forward . 1.1.1.1 {\n max_fails two\n}', shouldErr: true, errContains: 'max_fails' },
    { input: 'forward . 1.1.1.1 {\n health_check\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n health_check 1x\n}', shouldErr: true, errContains: 'health_check' },
    { input: 'forward . 1.1.1.1 {\n health_check 1s bogus\n}', shouldErr: true, errContains: "unknown option 'bogus'" },
    { input: 'forward . 1.1.1.1 {\n health_check 1s domain\n}', shouldErr: true, errContains: "'domain' needs a name" },
    { input: 'forward . 1.1.1.1 {\n health_check 1s no_rec domain example.org\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n policy fastest\n}', shouldErr: true, errContains: "unknown policy 'fastest'" },
    { input: 'forward . 1.1.1.1 {\n max_concurrent -5\n}', shouldErr: true, errContains: 'max_concurrent' },
    { input: 'forward . 1.1.1.1 {\n tls a b c d\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n tls /does/not/exist.pem\n}', shouldErr: true, errContains: 'cannot read CA' },
    { input: 'forward . 1.1.1.1 {\n tls ca.pem\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n tls_servername\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . tls://1.1.1.1%one.one {\n tls_servername x.y\n}', shouldErr: true, errContains: 'per-endpoint' },
    { input: 'forward . 1.1.1.1 {\n failfast_all_unhealthy_upstreams now\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n max_idle_conns 3\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n max_idle_conns -1\n}', shouldErr: true, errContains: 'max_idle_conns' },
    { input: 'forward . 1.1.1.1 {\n max_idle_conns\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n max_connect_attempts 0\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n max_connect_attempts many\n}', shouldErr: true, errContains: 'max_connect_attempts' },
    { input: 'forward . 1.1.1.1 {\n next\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n next NXDOMAIN servfail\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n next NOSUCH\n}', shouldErr: true, errContains: 'NOSUCH is not a valid rcode' },
    { input: 'forward . 1.1.1.1 {\n next_on_nodata\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n next_on_nodata yes\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n failover SERVFAIL REFUSED\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n failover\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . 1.1.1.1 {\n failover NOERROR\n}', shouldErr: true, errContains: 'NOERROR cannot be used in failover' },
    { input: 'forward . 1.1.1.1 {\n failover BOGUS\n}', shouldErr: true, errContains: 'BOGUS is not a valid rcode' },
    { input: 'forward . https://1.1.1.1 {\n doh_method GET\n}', shouldErr: false, errContains: '' },
    { input: 'forward . https://1.1.1.1 {\n doh_method get\n}', shouldErr: true, errContains: 'must be either POST or GET' },
    { input: 'forward . https://1.1.1.1 {\n doh_method PUT\n}', shouldErr: true, errContains: 'must be either POST or GET' },
    { input: 'forward . dns.example.net {\n resolver 10.0.0.1 10.0.0.2:5353 [fd00::1]:53 fd00::2\n}', shouldErr: false, errContains: '' },
    { input: 'forward . dns.example.net {\n resolver\n}', shouldErr: true, errContains: 'argument' },
    { input: 'forward . dns.example.net {\n resolver dns.google\n}', shouldErr: true, errContains: 'must be an IP address or IP:port' },
    { input: 'forward . dns.example.net {\n resolver 10.0.0.1:0\n}', shouldErr: true, errContains: 'must be an IP address or IP:port' },
    { input: 'forward . 1.1.1.1 {\n read_timeout 500ms\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n read_timeout 0s\n}', shouldErr: true, errContains: 'read_timeout' },
    { input: 'forward . 1.1.1.1 {\n max_age 30s\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n max_age 5s\n}', shouldErr: true, errContains: 'must not be less than expire' },
    { input: 'forward . 1.1.1.1 {\n source_address 127.0.0.1\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n source_address here\n}', shouldErr: true, errContains: 'invalid IP address' },
    { input: 'forward . https://1.1.1.1%one.one {\n tls_servername x.y\n}', shouldErr: false, errContains: '' },
    { input: 'forward . 1.1.1.1 {\n bogus\n}', shouldErr: true, errContains: "unknown option 'bogus'" },
    { input: 'forward bad..zone 1.1.1.1', shouldErr: true, errContains: 'zone' },
  ])('$input', ({ input, shouldErr, errContains }) => {
    checkConfigCase(() => parse(input), shouldErr, errContains);
  });

  it('has CoreDNS defaults', () => {
    const c = parse('forward . 1.1.1.1');
    expect(c).toMatchObject({
      from: '.',
      except: [],
      forceTcp: false,
      preferUdp: false,
      expireMs: 10_000,
      maxFails: 2,
      healthCheck: { intervalMs: 500, recursionDesired: true, domain: '.' },
      policy: 'random',
      maxConcurrent: 0,
      failfastAllUnhealthy: false,
      next: [],
      nextOnNodata: false,
      failover: [],
      maxConnectAttempts: null,
      maxIdleConns: 0,
      readTimeoutMs: null,
      maxAgeMs: 0,
      dohMethod: 'POST',
      resolvers: [],
      sourceAddress: null,
    });
  });

  it('reads the options CoreDNS added since (next, failover, attempts, idle conns, DoH, resolver)', () => {
    const c = parse(
      'forward 10.0.0.0/15 dns.example.net tls://Resolver.Example%dns.example:8853 https://192.0.2.1 {\n next NXDOMAIN servfail\n next_on_nodata\n' +
        ' failover REFUSED\n max_connect_attempts 3\n max_idle_conns 4\n doh_method GET\n resolver 127.0.0.1:5300 ::1\n' +
        ' read_timeout 3s\n max_age 1m\n source_address 127.0.0.1\n}',
    );
    expect(c).toMatchObject({
      // A CIDR off a boundary: only its first zone is forwarded (CoreDNS).
      from: '0.10.in-addr.arpa.',
      fromZones: ['0.10.in-addr.arpa.', '1.10.in-addr.arpa.'],
      next: [3, 2],
      nextOnNodata: true,
      failover: [5],
      maxConnectAttempts: 3,
      maxIdleConns: 4,
      dohMethod: 'GET',
      resolvers: ['127.0.0.1:5300', '[::1]:53'],
      readTimeoutMs: 3000,
      maxAgeMs: 60_000,
      sourceAddress: '127.0.0.1',
    });
    expect(c.upstreams).toEqual([
      { hostname: 'dns.example.net', port: 53, transport: 'dns', text: 'dns.example.net' },
      { hostname: 'resolver.example', port: 8853, transport: 'tls', servername: 'dns.example', text: 'tls://Resolver.Example%dns.example:8853' },
      { host: '192.0.2.1', port: 443, family: 4, transport: 'https', label: '192.0.2.1:443' },
    ]);
  });

  it('reads every option', () => {
    const c = parse(
      'forward Example.ORG 1.1.1.1 {\n except A.example.org b.example.org\n prefer_udp\n expire 1m\n max_fails 5\n' +
        ' health_check 2s no_rec domain Probe.Example\n policy round_robin\n max_concurrent 100\n failfast_all_unhealthy_upstreams\n}',
    );
    expect(c).toMatchObject({
      from: 'example.org.',
      except: ['a.example.org.', 'b.example.org.'],
      preferUdp: true,
      expireMs: 60_000,
      maxFails: 5,
      healthCheck: { intervalMs: 2000, recursionDesired: false, domain: 'probe.example.' },
      policy: 'round_robin',
      maxConcurrent: 100,
      failfastAllUnhealthy: true,
    });
  });

  it.each([
    { to: '10.1.2.3', label: '10.1.2.3:53', transport: 'dns', family: 4 },
    { to: '10.1.2.3:5353', label: '10.1.2.3:5353', transport: 'dns', family: 4 },
    { to: 'dns://10.1.2.3', label: '10.1.2.3:53', transport: 'dns', family: 4 },
    { to: 'dns://10.1.2.3:1053', label: '10.1.2.3:1053', transport: 'dns', family: 4 },
    { to: 'tls://9.9.9.9', label: '9.9.9.9:853', transport: 'tls', family: 4 },
    { to: 'tls://9.9.9.9%dns.quad9.net:10853', label: '9.9.9.9:10853', transport: 'tls', family: 4 },
    { to: '[2001:db8::1]:5353', label: '[2001:db8::1]:5353', transport: 'dns', family: 6 },
    { to: '2001:db8::1', label: '[2001:db8::1]:53', transport: 'dns', family: 6 },
    { to: '[::1]', label: '[::1]:53', transport: 'dns', family: 6 },
    { to: 'https://9.9.9.9', label: '9.9.9.9:443', transport: 'https', family: 4 },
    { to: 'https://[2001:db8::1]:8443', label: '[2001:db8::1]:8443', transport: 'https', family: 6 },
    { to: 'https://9.9.9.9%dns.quad9.net', label: '9.9.9.9:443', transport: 'https', family: 4 },
  ])('TO $to', ({ to, label, transport, family }) => {
    const [u] = parse(`forward . ${to}`).upstreams;
    expect(u).toMatchObject({ label, transport, family });
  });

  it('expands a resolv.conf into its nameservers (relative to the Corefile directory)', () => {
    const c = parse('forward . resolv.conf');
    expect(c.upstreams.map(labelOf)).toEqual(['10.0.0.1:53', '[fd00::53]:53']);
    const abs = parse(`forward . ${join(dir, 'resolv.conf')} 10.9.9.9`);
    expect(abs.upstreams.map(labelOf)).toEqual(['10.0.0.1:53', '[fd00::53]:53', '10.9.9.9:53']);
  });

  it('force_tcp wins over prefer_udp', () => {
    expect(parse('forward . 1.1.1.1 {\n prefer_udp\n force_tcp\n}')).toMatchObject({ forceTcp: true, preferUdp: false });
  });

  it('the factory builds a plugin and two instances share one registry', () => {
    const runtime = testRuntime();
    const ctx = setupContext(runtime, ['.'], dir);
    const d = directiveOf('. {\n forward . 127.0.0.1\n}');
    const a = forwardFactory.setup(d, ctx);
    const b = forwardFactory.setup(d, ctx);
    expect(a?.name).toBe('forward');
    expect(b?.name).toBe('forward');
    expect(runtime.metrics.getSingleMetric('coredns_forward_requests_total')).toBeDefined();
  });
});
