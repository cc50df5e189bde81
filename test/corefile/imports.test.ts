// Imports of files and globs through the real filesystem (the parser's default readFile/glob),
// in a fresh temporary directory per case.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_IMPORT_DEPTH } from '../../src/corefile/imports.js';
import { parseCorefile } from '../../src/corefile/parse.js';
import { ConfigError } from '../../src/corefile/types.js';
import { blockShapes, type BlockShape } from './shape.js';

const root = mkdtempSync(join(tmpdir(), 'corefile-imports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let caseNo = 0;
/** Writes `files` (path -> text; a path ending in '/' is a directory) into a new directory. */
function tree(files: Record<string, string>): string {
  const dir = join(root, `case${caseNo++}`);
  for (const [path, text] of Object.entries(files)) {
    if (path.endsWith('/')) {
      mkdirSync(join(dir, path), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function parseIn(dir: string, env: Record<string, string> = {}) {
  const file = join(dir, 'Corefile');
  return parseCorefile(readFileSync(file, 'utf8'), { file, env });
}

interface Case {
  name: string;
  files: Record<string, string>;
  env?: Record<string, string>;
  shouldErr: boolean;
  /** `{dir}` is replaced by the case's directory. */
  errContains?: string;
  expect?: BlockShape[];
}

const chain = (n: number): Record<string, string> => {
  const files: Record<string, string> = { Corefile: '. {\n  import f1.conf\n}\n' };
  for (let i = 1; i <= n; i++) files[`f${i}.conf`] = i < n ? `import f${i + 1}.conf\n` : 'loop\n';
  return files;
};

const cases: Case[] = [
  {
    name: 'a file imported inside a block',
    files: { Corefile: '. {\n  import common.conf\n  cache 30\n}\n', 'common.conf': 'errors\nlog\n' },
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['errors'], ['log'], ['cache', '30']] }],
  },
  {
    name: 'a file imported inside a directive block',
    files: { Corefile: '. {\n  forward . 1.1.1.1 {\n    import fwd.conf\n  }\n}\n', 'fwd.conf': 'force_tcp\nmax_fails 3\n' },
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['forward', '.', '1.1.1.1', [['force_tcp'], ['max_fails', '3']]]] }],
  },
  {
    name: 'a glob at top level pulls whole server blocks, in name order, files only',
    files: {
      Corefile: 'import conf.d/*\n',
      'conf.d/b.conf': 'b.local {\n  loop\n}\n',
      'conf.d/a.conf': 'a.local {\n}\n',
      'conf.d/sub.conf/': '',
    },
    shouldErr: false,
    expect: [
      { keys: ['a.local.:-'], directives: [] },
      { keys: ['b.local.:-'], directives: [['loop']] },
    ],
  },
  {
    name: 'a glob that matches nothing imports nothing',
    files: { Corefile: 'import conf.d/*.conf\n. {\n  import none/*.conf\n  loop\n}\n' },
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['loop']] }],
  },
  {
    name: 'nested imports resolve against the importing file directory',
    files: {
      Corefile: '. {\n  import sub/a.conf\n}\n',
      'sub/a.conf': 'import b.conf\n',
      'sub/b.conf': 'import ../c.conf\nlog\n',
      'c.conf': 'errors\n',
    },
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['errors'], ['log']] }],
  },
  {
    name: 'snippets defined in an imported file are usable after it',
    files: { Corefile: 'import snippets.conf\n. {\n  import s\n}\n', 'snippets.conf': '(s) {\n  errors\n}\n' },
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['errors']] }],
  },
  {
    name: 'an import path may use {$ENV}',
    files: { Corefile: '. {\n  import {$CONF}/x.conf\n}\n', 'etc/x.conf': 'loop\n' },
    env: { CONF: 'etc' },
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['loop']] }],
  },
  {
    name: `a chain of ${MAX_IMPORT_DEPTH} nested imports is allowed`,
    files: chain(MAX_IMPORT_DEPTH),
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['loop']] }],
  },
  {
    name: 'one more level is an error at the import that goes too deep',
    files: chain(MAX_IMPORT_DEPTH + 1),
    shouldErr: true,
    errContains: `f${MAX_IMPORT_DEPTH}.conf:1: imports are nested more than ${MAX_IMPORT_DEPTH} deep`,
  },
  {
    name: 'a plain file that does not exist is an error',
    files: { Corefile: '. {\n\n  import missing.conf\n}\n' },
    shouldErr: true,
    errContains: `Corefile:3: import 'missing.conf': no snippet '(missing.conf)' is defined above and file '{dir}/missing.conf' does not exist`,
  },
  {
    name: 'a directory named as a file is an error',
    files: { Corefile: '. {\n  import conf.d\n}\n', 'conf.d/': '' },
    shouldErr: true,
    errContains: "Corefile:2: import: cannot read '{dir}/conf.d'",
  },
  {
    name: 'a file importing itself',
    files: { Corefile: '. {\n  import a.conf\n}\n', 'a.conf': 'log\nimport a.conf\n' },
    shouldErr: true,
    errContains: 'a.conf:2: import cycle: {dir}/Corefile -> {dir}/a.conf -> {dir}/a.conf',
  },
  {
    name: 'a file importing the Corefile back',
    files: { Corefile: 'import a.conf\n', 'a.conf': 'import ./Corefile\n' },
    shouldErr: true,
    errContains: 'a.conf:1: import cycle: {dir}/Corefile -> {dir}/a.conf -> {dir}/Corefile',
  },
  {
    name: 'a glob that matches the importing file',
    files: { Corefile: 'import *\n' },
    shouldErr: true,
    errContains: 'Corefile:1: import cycle',
  },
  {
    name: 'an error inside an imported file names that file and line',
    files: { Corefile: 'import blocks.conf\n', 'blocks.conf': 'a.local {\n}\n\ntls://b.local {\n}\n' },
    shouldErr: true,
    errContains: '{dir}/blocks.conf:4: scheme tls:// is not supported',
  },
  {
    name: 'an unclosed block in an imported file names that file',
    files: { Corefile: '. {\n  import x.conf\n}\n', 'x.conf': 'cache {\n' },
    shouldErr: true,
    errContains: "{dir}/x.conf:1: '{' is never closed",
  },
  {
    name: 'an imported file cannot close the block that imports it',
    files: { Corefile: '. {\n  import x.conf\n  loop\n', 'x.conf': 'log\n}\n' },
    shouldErr: true,
    errContains: "{dir}/x.conf:2: unexpected '}'",
  },
];

describe('imports through the filesystem', () => {
  it.each(cases)('$name', (c) => {
    const dir = tree(c.files);
    const run = () => parseIn(dir, c.env);
    if (c.shouldErr) {
      expect(run).toThrow(ConfigError);
      expect(run).toThrow((c.errContains ?? '').replaceAll('{dir}', dir));
      return;
    }
    expect(blockShapes(run())).toEqual(c.expect);
  });

  it('keeps the file and line of each imported token', () => {
    const dir = tree({ Corefile: '. {\n  import common.conf\n  loop\n}\n', 'common.conf': '\nerrors\n' });
    const b = parseIn(dir)[0]!;
    expect(b.directives.map((d) => `${d.name}@${d.file}:${d.line}`)).toEqual([
      `errors@${join(dir, 'common.conf')}:2`,
      `loop@${join(dir, 'Corefile')}:3`,
    ]);
  });

  it('imports an absolute path', () => {
    const dir = tree({ 'abs.conf': 'loop\n' });
    const blocks = parseCorefile(`. {\n  import ${join(dir, 'abs.conf')}\n}\n`, { file: 'elsewhere/Corefile', env: {} });
    expect(blockShapes(blocks)).toEqual([{ keys: ['.:-'], directives: [['loop']] }]);
  });
});

describe('imports through injected readFile and glob', () => {
  it('resolves relative to the directory of a relative Corefile path and keeps paths relative', () => {
    const read: string[] = [];
    const globbed: [string, string][] = [];
    const blocks = parseCorefile('import conf.d/*.conf\n', {
      file: 'etc/Corefile',
      env: {},
      glob: (pattern, cwd) => {
        globbed.push([pattern, cwd]);
        return ['conf.d/z.conf', 'conf.d/y.conf'];
      },
      readFile: (path) => {
        read.push(path);
        return `${path.includes('y') ? 'y' : 'z'}.local {\n  loop\n}\n`;
      },
    });
    expect(globbed).toEqual([['conf.d/*.conf', 'etc']]);
    expect(read).toEqual(['etc/conf.d/y.conf', 'etc/conf.d/z.conf']);
    expect(blocks.map((b) => `${b.keys[0]!.zone}@${b.file}:${b.line}`)).toEqual([
      'y.local.@etc/conf.d/y.conf:1',
      'z.local.@etc/conf.d/z.conf:1',
    ]);
  });
});
