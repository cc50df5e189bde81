import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorefile } from '../../src/corefile/load.js';
import { parseCorefile } from '../../src/corefile/parse.js';
import { ConfigError } from '../../src/corefile/types.js';
import { checkDuplicateKeys } from '../../src/corefile/validate-keys.js';

describe('checkDuplicateKeys', () => {
  const cases: { name: string; input: string; errContains?: string }[] = [
    { name: 'distinct zones', input: 'a.local {\n}\nb.local {\n}\n' },
    { name: 'same zone on different ports', input: 'a.local:53 {\n}\na.local:1053 {\n}\n' },
    { name: 'same zone, explicit port differs from the default', input: 'a.local {\n}\na.local:54 {\n}\n' },
    { name: 'parent and child zones', input: 'local {\n}\na.local {\n}\n' },
    { name: 'twice in one block', input: 'a.local a.local {\n}\n', errContains: 'C:1: zone a.local.:53 is defined more than once' },
    { name: 'across blocks, second key is blamed', input: 'a.local {\n}\nb.local\n {\n}\nx.local A.Local. {\n}\n', errContains: 'C:6: zone a.local.:53 is defined more than once' },
    { name: 'default port equals an explicit one', input: 'a.local:53 {\n}\na.local {\n}\n', errContains: 'C:3: zone a.local.:53' },
    { name: 'dns:// prefix is the same zone', input: '.:53 {\n}\n\ndns://. {\n}\n', errContains: 'C:4: zone .:53 is defined more than once' },
    { name: 'a CIDR and its reverse zone', input: '10.0.0.0/8 {\n}\n10.in-addr.arpa {\n}\n', errContains: 'C:3: zone 10.in-addr.arpa.:53' },
    { name: 'one of the zones a non-aligned CIDR covers', input: '10.0.0.0/15 {\n}\n1.10.in-addr.arpa {\n}\n', errContains: 'C:3: zone 1.10.in-addr.arpa.:53' },
    { name: 'overlapping non-aligned CIDRs', input: '10.0.0.0/15 10.1.0.0/16 {\n}\n', errContains: 'C:1: zone 1.10.in-addr.arpa.:53' },
    { name: 'adjacent non-aligned CIDRs', input: '10.0.0.0/15 10.2.0.0/15 {\n}\n' },
    // CoreDNS reads a directive line after a block as a block whose keys are its words.
    { name: 'a directive outside any block repeats the root zone', input: '. {\n}\nforward . 1.1.1.1\n', errContains: 'C:3: zone .:53 is defined more than once' },
  ];
  it.each(cases)('$name', (c) => {
    const blocks = parseCorefile(c.input, { file: 'C', env: {} });
    const run = () => checkDuplicateKeys(blocks, 53);
    if (c.errContains === undefined) {
      expect(run).not.toThrow();
      return;
    }
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(c.errContains);
  });
});

describe('loadCorefile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corefile-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads, substitutes env, parses and imports relative to the file', () => {
    writeFileSync(join(dir, 'Corefile'), 'clusterset.local {\n  import extra.conf\n}\n.:{$PORT} {\n  forward . /etc/resolv.conf\n}\n');
    writeFileSync(join(dir, 'extra.conf'), 'multicluster\n');
    const blocks = loadCorefile(join(dir, 'Corefile'), { PORT: '1053' }, 53);
    expect(blocks.map((b) => [b.keys.map((k) => `${k.zone}:${k.port}`), b.directives.map((d) => d.name)])).toEqual([
      [['clusterset.local.:null'], ['multicluster']],
      [['.:1053'], ['forward']],
    ]);
  });

  it('rejects duplicate keys using the default port', () => {
    writeFileSync(join(dir, 'Dup'), '.:1053 {\n}\n. {\n}\n');
    expect(() => loadCorefile(join(dir, 'Dup'), {}, 53)).not.toThrow();
    expect(() => loadCorefile(join(dir, 'Dup'), {}, 1053)).toThrow(`${join(dir, 'Dup')}:3: zone .:1053 is defined more than once`);
  });

  it('reports a missing file as a ConfigError naming it', () => {
    const path = join(dir, 'nope');
    expect(() => loadCorefile(path, {}, 53)).toThrow(ConfigError);
    expect(() => loadCorefile(path, {}, 53)).toThrow(`${path}:0: cannot read Corefile`);
  });
});
