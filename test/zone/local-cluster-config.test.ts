// The `local_cluster [ID]` option of `multicluster` as a table: what parses (and into what), and
// what is a configuration error at the option's file and line (an ID that is not an RFC 1123
// subdomain, too many arguments, the option twice, or with `noendpoints`).

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/corefile/types.js';
import type { MulticlusterPlugin } from '../../src/plugins/multicluster/plugin.js';
import type { LocalClusterOption } from '../../src/plugins/multicluster/options.js';
import { makeHarness } from '../support/harness.js';

interface ConfigCase {
  readonly name: string;
  /** Option lines inside `multicluster { objects objects.yaml ... }` (they start at line 4). */
  readonly options: readonly string[];
  readonly shouldErr: boolean;
  readonly errContains?: string;
  /** Corefile line of the error. */
  readonly line?: number;
  readonly expected?: LocalClusterOption | null;
}

const long = (n: number): string => Array.from({ length: Math.ceil(n / 10) }, () => 'abcdefghi').join('.').slice(0, n);

const cases: ConfigCase[] = [
  { name: 'absent: no local cluster', options: [], shouldErr: false, expected: null },
  { name: 'an id', options: ['local_cluster east'], shouldErr: false, expected: { kind: 'given', id: 'east' } },
  { name: 'no id: read the ClusterProperty', options: ['local_cluster'], shouldErr: false, expected: { kind: 'cluster-property' } },
  { name: 'a subdomain id', options: ['local_cluster cluster-1.eu-west.example'], shouldErr: false, expected: { kind: 'given', id: 'cluster-1.eu-west.example' } },
  { name: 'a digits-only id', options: ['local_cluster 42'], shouldErr: false, expected: { kind: 'given', id: '42' } },
  { name: 'a 253-character id', options: [`local_cluster ${long(253)}`], shouldErr: false, expected: { kind: 'given', id: long(253) } },
  { name: 'with other options, ttl after it', options: ['local_cluster east', 'ttl 30'], shouldErr: false, expected: { kind: 'given', id: 'east' } },
  { name: 'upper case', options: ['local_cluster East'], shouldErr: true, line: 4, errContains: `'local_cluster': 'East' is not a cluster id: expected an RFC 1123 subdomain` },
  { name: 'an underscore', options: ['ttl 5', 'local_cluster east_1'], shouldErr: true, line: 5, errContains: `'east_1' is not a cluster id` },
  { name: 'a leading hyphen', options: ['local_cluster -east'], shouldErr: true, line: 4, errContains: `'-east' is not a cluster id` },
  { name: 'a trailing dot', options: ['local_cluster east.'], shouldErr: true, line: 4, errContains: `'east.' is not a cluster id` },
  { name: 'an empty label', options: ['local_cluster a..b'], shouldErr: true, line: 4, errContains: `'a..b' is not a cluster id` },
  { name: 'a 64-character label', options: [`local_cluster ${'a'.repeat(64)}`], shouldErr: true, line: 4, errContains: 'is not a cluster id' },
  { name: 'a 254-character id', options: [`local_cluster ${long(254)}`], shouldErr: true, line: 4, errContains: 'is not a cluster id' },
  { name: 'two arguments', options: ['local_cluster east west'], shouldErr: true, line: 4, errContains: `after 'local_cluster': expected at most 1 argument, got 2` },
  { name: 'given twice', options: ['local_cluster east', 'local_cluster'], shouldErr: true, line: 5, errContains: `'local_cluster' is given more than once in 'multicluster'` },
  { name: 'with noendpoints', options: ['noendpoints', 'local_cluster east'], shouldErr: true, line: 5, errContains: `'local_cluster' has no effect with 'noendpoints'` },
  { name: 'misspelt', options: ['localcluster east'], shouldErr: true, line: 4, errContains: `unknown option 'localcluster' for 'multicluster'` },
];

function corefile(options: readonly string[]): string {
  return `clusterset.local {\n  multicluster {\n    objects objects.yaml\n${options.map((o) => `    ${o}\n`).join('')}  }\n}\n`;
}

describe('multicluster local_cluster option', () => {
  it.each(cases)('$name', ({ options, shouldErr, errContains, line, expected }) => {
    let plugin: MulticlusterPlugin | undefined;
    let error: unknown = null;
    try {
      const h = makeHarness({ corefile: corefile(options), files: { 'objects.yaml': '' } });
      plugin = h.blocks[0]?.plugins.find((p) => p.name === 'multicluster') as MulticlusterPlugin | undefined;
    } catch (err) {
      error = err;
    }
    if (!shouldErr) {
      expect(error).toBeNull();
      expect(plugin?.options.localCluster).toEqual(expected);
      return;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.file.endsWith('/Corefile')).toBe(true);
    expect(e.line).toBe(line);
    expect(e.message).toContain(`Corefile:${line}: `);
    expect(e.detail).toContain(errContains);
  });
});
