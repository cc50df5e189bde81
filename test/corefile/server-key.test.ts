import { describe, expect, it } from 'vitest';
import { parseServerKeys } from '../../src/corefile/server-key.js';
import { ConfigError } from '../../src/corefile/types.js';

const where = { file: 'Corefile', line: 7 };

const cases: { input: string; zones?: string[]; port?: number | null; errContains?: string }[] = [
  { input: '.', zones: ['.'], port: null },
  { input: '.:53', zones: ['.'], port: 53 },
  { input: 'dns://.:1053', zones: ['.'], port: 1053 },
  { input: 'DNS://Example.Org', zones: ['example.org.'], port: null },
  { input: 'clusterset.local', zones: ['clusterset.local.'], port: null },
  { input: 'clusterset.local.:65535', zones: ['clusterset.local.'], port: 65535 },
  { input: 'example.org:1', zones: ['example.org.'], port: 1 },
  { input: '10.0.0.0/24', zones: ['0.0.10.in-addr.arpa.'], port: null },
  { input: '10.0.0.0/8:53', zones: ['10.in-addr.arpa.'], port: 53 },
  { input: '10.1.2.3/32', zones: ['3.2.1.10.in-addr.arpa.'], port: null },
  { input: '10.1.2.3/16', zones: ['1.10.in-addr.arpa.'], port: null }, // host bits are masked off, as Go does
  { input: '0.0.0.0/0', zones: ['in-addr.arpa.'], port: null },
  { input: 'fd00::/64', zones: ['0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.'], port: null },
  { input: 'fd00::/8', zones: ['d.f.ip6.arpa.'], port: null },
  { input: 'fd00::/4:5353', zones: ['f.ip6.arpa.'], port: 5353 },
  { input: '2001:DB8::/32', zones: ['8.b.d.0.1.0.0.2.ip6.arpa.'], port: null },
  { input: '::/0', zones: ['ip6.arpa.'], port: null },
  { input: '::ffff:10.0.0.0/104', zones: [`a.0.f.f.f.f.${'0.'.repeat(20)}ip6.arpa.`], port: null },
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
  // Off a label boundary: every reverse zone the CIDR covers, in address order (CoreDNS's
  // plugin/pkg/cidr and plugin/normalize tables).
  { input: '10.0.0.0/15', zones: ['0.10.in-addr.arpa.', '1.10.in-addr.arpa.'], port: null },
  // Host bits masked off first: 10.9.3.0/18 is 10.9.0.0/18, the /24s 10.9.0.0 to 10.9.63.0.
  { input: '10.9.3.0/18:1053', zones: Array.from({ length: 64 }, (_, i) => `${i}.9.10.in-addr.arpa.`), port: 1053 },
  { input: '192.168.1.1/23', zones: ['0.168.192.in-addr.arpa.', '1.168.192.in-addr.arpa.'], port: null },
  { input: '10.129.60.0/22', zones: ['60.129.10.in-addr.arpa.', '61.129.10.in-addr.arpa.', '62.129.10.in-addr.arpa.', '63.129.10.in-addr.arpa.'], port: null },
  { input: '10.96.0.0/12', zones: Array.from({ length: 16 }, (_, i) => `${96 + i}.10.in-addr.arpa.`), port: null },
  { input: '10.0.0.0/1', zones: Array.from({ length: 128 }, (_, i) => `${i}.in-addr.arpa.`), port: null },
  { input: '2001:db8::/31', zones: ['8.b.d.0.1.0.0.2.ip6.arpa.', '9.b.d.0.1.0.0.2.ip6.arpa.'], port: null },
  { input: '2001:db8::/30', zones: ['8', '9', 'a', 'b'].map((n) => `${n}.b.d.0.1.0.0.2.ip6.arpa.`), port: null },
  { input: '2001:db8::/29', zones: ['8', '9', 'a', 'b', 'c', 'd', 'e', 'f'].map((n) => `${n}.b.d.0.1.0.0.2.ip6.arpa.`), port: null },
  { input: '2001:db8::/115', zones: ['0', '1'].map((n) => `${n}.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.ip6.arpa.`), port: null },
  { input: '2001:db8::/113', zones: ['0', '1', '2', '3', '4', '5', '6', '7'].map((n) => `${n}.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.ip6.arpa.`), port: null },
  { input: '2001:db8::/112', zones: [`${'0.'.repeat(20)}8.b.d.0.1.0.0.2.ip6.arpa.`], port: null },
  { input: '10.0.0.0/33', errContains: "invalid CIDR '10.0.0.0/33'" },
  { input: '10.0.0/8', errContains: 'invalid CIDR' },
  { input: 'fd00::/129', errContains: 'invalid CIDR' },
  { input: 'fe80::%eth0/64', errContains: 'invalid CIDR' },
  { input: 'a.b/24', errContains: 'invalid CIDR' },
];

describe('parseServerKey', () => {
  it.each(cases)('$input', (c) => {
    if (c.errContains !== undefined) {
      expect(() => parseServerKeys(c.input, where)).toThrow(ConfigError);
      expect(() => parseServerKeys(c.input, where)).toThrow(`Corefile:7: `);
      expect(() => parseServerKeys(c.input, where)).toThrow(c.errContains);
      return;
    }
    expect(parseServerKeys(c.input, where)).toEqual(c.zones!.map((zone) => ({ scheme: 'dns', zone, port: c.port, file: 'Corefile', line: 7 })));
  });
});
