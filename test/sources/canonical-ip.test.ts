// canonicalIp and endpointLabel: the canonical forms every address is compared and named by.

import { SocketAddress } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalIp, endpointLabel } from '../../src/sources/canonical-ip.js';

describe('canonicalIp', () => {
  const valid: Array<[input: string, address: string, family: 4 | 6]> = [
    ['10.1.2.3', '10.1.2.3', 4],
    ['0.0.0.0', '0.0.0.0', 4],
    ['255.255.255.255', '255.255.255.255', 4],
    ['fd00::1', 'fd00::1', 6],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1', 6],
    ['fd00:0000:0000:0000:0000:0000:0000:0001', 'fd00::1', 6],
    ['::', '::', 6],
    ['::1', '::1', 6],
    ['1::', '1::', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6], // first of two equal runs
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1', 6], // longest run, not the first
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6], // a single zero group stays
    ['2001:0DB8::00A0', '2001:db8::a0', 6],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 6],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', 6],
    ['::1.2.3.4', '::102:304', 6], // IPv4-compatible (deprecated) stays IPv6
    ['::ffff:10.1.2.3', '10.1.2.3', 4], // IPv4-mapped is the IPv4 address, as in Go/CoreDNS
    ['::FFFF:a01:203', '10.1.2.3', 4],
    ['0:0:0:0:0:ffff:10.1.2.3', '10.1.2.3', 4],
  ];
  it.each(valid)('%s -> %s', (input, address, family) => {
    expect(canonicalIp(input)).toEqual({ address, family });
  });

  const invalid = [
    '',
    '10.1.2',
    '10.1.2.3.4',
    '10.1.2.256',
    '10.01.2.3', // leading zero: octal or decimal?
    '10.1.2.3 ',
    ' 10.1.2.3',
    '10.1.2.x',
    '10.0.0.0/8',
    '+1.2.3.4',
    '1e1.2.3.4',
    'fd00::1%eth0',
    'fd00::/64',
    '[fd00::1]',
    ':::',
    '1:::2',
    '1::2::3',
    ':1::2',
    '1::2:',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4::5:6:7:8', // `::` must stand for at least one group
    '12345::1',
    'g::1',
    '1.2.3.4::',
    '1.2.3.4:1::',
    '::1.2.3',
    '::1.2.3.256',
    '1:2:3:4:5:6:7:1.2.3.4', // nine groups' worth
    'localhost',
    '0x0a.1.2.3',
  ];
  it.each(invalid)('rejects %j', (input) => {
    expect(canonicalIp(input)).toBeNull();
  });
});

describe('canonicalIp against an independent formatter (libuv inet_ntop)', () => {
  // A seeded generator so a failure reproduces; zero-heavy groups exercise the `::` choice.
  let seed = 0x5eed;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  it('agrees on 2000 random addresses, written in random case and padding', () => {
    for (let i = 0; i < 2000; i++) {
      const groups = Array.from({ length: 8 }, () => (random(3) === 0 ? random(0x10000) : 0));
      // libuv writes addresses whose first six groups are zero in dotted form (we do not), and
      // IPv4-mapped ones are IPv4 addresses to us: both have their own cases above.
      const zeroPrefix = groups.slice(0, 5).every((g) => g === 0);
      if (zeroPrefix && (groups[5] === 0 || groups[5] === 0xffff)) continue;
      const text = groups
        .map((g) => g.toString(16).padStart(random(2) === 0 ? 4 : 1, '0'))
        .map((g) => (random(2) === 0 ? g.toUpperCase() : g))
        .join(':');
      const expected = new SocketAddress({ address: text, family: 'ipv6' }).address;
      expect(canonicalIp(text)?.address, text).toBe(expected);
    }
  });
});

describe('endpointLabel', () => {
  it.each([
    ['10.1.2.3', '10-1-2-3'],
    ['fd00::1', 'fd00--1'],
    ['2001:db8::a0', '2001-db8--a0'],
  ])('%s -> %s', (address, label) => {
    expect(endpointLabel(address)).toBe(label);
  });
});
