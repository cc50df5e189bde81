import { describe, expect, it } from 'vitest';
import { parseServerKey } from '../../src/corefile/server-key.js';
import { ConfigError } from '../../src/corefile/types.js';

const where = { file: 'Corefile', line: 7 };

const cases: { input: string; zone?: string; port?: number | null; errContains?: string }[] = [
  { input: '.', zone: '.', port: null },
  { input: '.:53', zone: '.', port: 53 },
  { input: 'dns://.:1053', zone: '.', port: 1053 },
  { input: 'DNS://Example.Org', zone: 'example.org.', port: null },
  { input: 'clusterset.local', zone: 'clusterset.local.', port: null },
  { input: 'clusterset.local.:65535', zone: 'clusterset.local.', port: 65535 },
  { input: 'example.org:1', zone: 'example.org.', port: 1 },
  { input: '10.0.0.0/24', zone: '0.0.10.in-addr.arpa.', port: null },
  { input: '10.0.0.0/8:53', zone: '10.in-addr.arpa.', port: 53 },
  { input: '10.1.2.3/32', zone: '3.2.1.10.in-addr.arpa.', port: null },
  { input: '10.1.2.3/16', zone: '1.10.in-addr.arpa.', port: null }, // host bits are masked off, as Go does
  { input: '0.0.0.0/0', zone: 'in-addr.arpa.', port: null },
  { input: 'fd00::/64', zone: '0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.', port: null },
  { input: 'fd00::/8', zone: 'd.f.ip6.arpa.', port: null },
  { input: 'fd00::/4:5353', zone: 'f.ip6.arpa.', port: 5353 },
  { input: '2001:DB8::/32', zone: '8.b.d.0.1.0.0.2.ip6.arpa.', port: null },
  { input: '::/0', zone: 'ip6.arpa.', port: null },
  { input: '::ffff:10.0.0.0/104', zone: `a.0.f.f.f.f.${'0.'.repeat(20)}ip6.arpa.`, port: null },
  { input: 'tls://example.org', errContains: 'scheme tls:// is not supported' },
  { input: 'grpc://.:443', errContains: 'scheme grpc:// is not supported' },
  { input: 'https://.', errContains: 'scheme https:// is not supported' },
  { input: 'example.org:0', errContains: 'port 0 in key' },
  { input: 'example.org:65536', errContains: 'out of range 1-65535' },
  { input: 'example.org:', errContains: "ends in ':' without a port" },
  { input: 'example.org:http', errContains: "invalid port 'http'" },
  { input: ':53', errContains: 'zone is empty' },
  { input: 'dns://', errContains: 'zone is empty' },
  { input: 'a..b', errContains: 'not a valid domain name' },
  { input: `${'a'.repeat(64)}.org`, errContains: 'not a valid domain name' },
  { input: 'fd00::1', errContains: 'not a valid domain name' }, // looks like zone "fd00:" with port 1
  { input: '10.0.0.0/17', errContains: 'not a multiple of 8' },
  { input: 'fd00::/66', errContains: 'not a multiple of 4' },
  { input: '10.0.0.0/33', errContains: "invalid CIDR '10.0.0.0/33'" },
  { input: '10.0.0/8', errContains: 'invalid CIDR' },
  { input: 'fd00::/129', errContains: 'invalid CIDR' },
  { input: 'fe80::%eth0/64', errContains: 'invalid CIDR' },
  { input: 'a.b/24', errContains: 'invalid CIDR' },
];

describe('parseServerKey', () => {
  it.each(cases)('$input', (c) => {
    if (c.errContains !== undefined) {
      expect(() => parseServerKey(c.input, where)).toThrow(ConfigError);
      expect(() => parseServerKey(c.input, where)).toThrow(`Corefile:7: `);
      expect(() => parseServerKey(c.input, where)).toThrow(c.errContains);
      return;
    }
    expect(parseServerKey(c.input, where)).toEqual({ scheme: 'dns', zone: c.zone, port: c.port, file: 'Corefile', line: 7 });
  });
});
