import { describe, expect, it } from 'vitest';
import { MAX_EXPANDED_TOKENS } from '../../src/corefile/imports.js';
import { MAX_BLOCK_DEPTH, parseCorefile } from '../../src/corefile/parse.js';
import { ConfigError } from '../../src/corefile/types.js';
import { blockShapes, type BlockShape } from './shape.js';

interface Case {
  name: string;
  input: string;
  env?: Record<string, string>;
  shouldErr: boolean;
  /** Substring of the error message, which starts with `FILE:LINE:`. */
  errContains?: string;
  expect?: BlockShape[];
}

const cases: Case[] = [
  { name: 'empty input', input: '', shouldErr: false, expect: [] },
  { name: 'only comments and blank lines', input: '# a\n\n   # b\n', shouldErr: false, expect: [] },
  {
    name: 'one block, directives with args',
    input: '.:53 {\n  forward . 8.8.8.8 1.1.1.1\n  cache 30\n  loop\n}\n',
    shouldErr: false,
    expect: [{ keys: ['.:53'], directives: [['forward', '.', '8.8.8.8', '1.1.1.1'], ['cache', '30'], ['loop']] }],
  },
  {
    name: 'no trailing newline',
    input: '. {\n loop\n}',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['loop']] }],
  },
  {
    name: 'comments after words and at line ends',
    input: '. { # the root\n  cache 30 # seconds\n  # whole line\n  log#glued\n}\n',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['cache', '30'], ['log']] }],
  },
  {
    name: 'quoted arguments keep spaces, # and escaped quotes',
    input: '. {\n  log "a b" "# not a comment" "say \\"hi\\"" ""\n}\n',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['log', 'a b', '# not a comment', 'say "hi"', '']] }],
  },
  {
    name: 'quoted braces are words, not blocks',
    input: '. {\n  log "{" "}"\n}\n',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['log', '{', '}']] }],
  },
  {
    name: 'env substitution in keys and arguments; unset is empty',
    input: '{$ZONE}:{$PORT} {\n  multicluster {\n    kubeconfig {$HOME}/.kube/config{$UNSET}\n  }\n}\n',
    env: { ZONE: 'ClusterSet.Local', PORT: '1053', HOME: '/home/u' },
    shouldErr: false,
    expect: [{ keys: ['clusterset.local.:1053'], directives: [['multicluster', [['kubeconfig', '/home/u/.kube/config']]]] }],
  },
  {
    name: 'windows-style env reference',
    input: '. {\n  forward . {%UP%}\n}\n',
    env: { UP: '10.0.0.1' },
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['forward', '.', '10.0.0.1']] }],
  },
  {
    name: 'several keys separated by spaces and commas, with dns:// and ports',
    input: 'clusterset.local:53 dns://in-addr.arpa:53,Example.ORG. dns://ip6.arpa {\n}\n',
    shouldErr: false,
    expect: [{ keys: ['clusterset.local.:53', 'in-addr.arpa.:53', 'example.org.:-', 'ip6.arpa.:-'], directives: [] }],
  },
  {
    name: 'a trailing comma continues the keys on the next line',
    input: 'a.local,\n  b.local, c.local {\n}\n',
    shouldErr: false,
    expect: [{ keys: ['a.local.:-', 'b.local.:-', 'c.local.:-'], directives: [] }],
  },
  {
    name: 'open brace on the line after the keys',
    input: 'example.org\n{\n  loop\n}\n',
    shouldErr: false,
    expect: [{ keys: ['example.org.:-'], directives: [['loop']] }],
  },
  {
    name: 'CIDR keys map to reverse zones',
    input: '10.0.0.0/24 172.16.0.0/16:1053 fd00::/64 {\n}\n',
    shouldErr: false,
    expect: [
      {
        keys: ['0.0.10.in-addr.arpa.:-', '16.172.in-addr.arpa.:1053', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.:-'],
        directives: [],
      },
    ],
  },
  {
    // CoreDNS (plugin/pkg/cidr): a prefix off a label boundary stands for every reverse zone it
    // covers, each a key of the block; the port applies to all of them.
    name: 'CIDR keys off a label boundary expand into the reverse zones they cover',
    input: '10.0.0.0/15:1053 192.168.1.1/23 2001:db8::/31 {\n  loop\n}\n',
    shouldErr: false,
    expect: [
      {
        keys: [
          '0.10.in-addr.arpa.:1053',
          '1.10.in-addr.arpa.:1053',
          '0.168.192.in-addr.arpa.:-',
          '1.168.192.in-addr.arpa.:-',
          '8.b.d.0.1.0.0.2.ip6.arpa.:-',
          '9.b.d.0.1.0.0.2.ip6.arpa.:-',
        ],
        directives: [['loop']],
      },
    ],
  },
  // A single server block may be written without braces (Caddy's single-server form, which
  // CoreDNS keeps): the keys' line, then directives to the end of the file.
  {
    name: 'a single block without braces',
    input: '.:53\n  forward . 1.1.1.1 {\n    force_tcp\n  }\n  cache 30\n  log\n',
    shouldErr: false,
    expect: [{ keys: ['.:53'], directives: [['forward', '.', '1.1.1.1', [['force_tcp']]], ['cache', '30'], ['log']] }],
  },
  {
    name: 'a block without braces after comments, keys continued by a comma, an imported snippet',
    input: '(s) {\n  errors\n}\n# only block\na.local,\n  b.local:1053\nimport s\nloop\n',
    shouldErr: false,
    expect: [{ keys: ['a.local.:-', 'b.local.:1053'], directives: [['errors'], ['loop']] }],
  },
  { name: 'keys alone, without braces or directives', input: 'example.org:1053\n', shouldErr: false, expect: [{ keys: ['example.org.:1053'], directives: [] }] },
  {
    name: 'a block without braces after a block with them takes everything after its keys',
    input: 'a.local {\n  loop\n}\nb.local\nlog\nerrors\n',
    shouldErr: false,
    expect: [
      { keys: ['a.local.:-'], directives: [['loop']] },
      { keys: ['b.local.:-'], directives: [['log'], ['errors']] },
    ],
  },
  {
    // CoreDNS reads the words of such a line as keys too (and then refuses the repeated `.`).
    name: 'a directive line after a block is a block of its own, its words keys',
    input: '. {\n}\nforward . 1.1.1.1\n',
    shouldErr: false,
    expect: [
      { keys: ['.:-'], directives: [] },
      { keys: ['forward.:-', '.:-', '1.1.1.1.:-'], directives: [] },
    ],
  },
  {
    name: 'nested blocks, several levels',
    input: '. {\n  forward . 1.1.1.1 {\n    policy sequential\n    outer a {\n      inner b\n    }\n  }\n}\n',
    shouldErr: false,
    expect: [
      { keys: ['.:-'], directives: [['forward', '.', '1.1.1.1', [['policy', 'sequential'], ['outer', 'a', [['inner', 'b']]]]]] },
    ],
  },
  {
    name: 'empty directive block and {} shorthand',
    input: '. {\n  health {\n  }\n  ready {}\n}\n',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['health', []], ['ready', []]] }],
  },
  {
    name: 'a block on one line',
    input: 'a.local { cache 30 { success 100 } }\nb.local {}\n',
    shouldErr: false,
    expect: [
      { keys: ['a.local.:-'], directives: [['cache', '30', [['success', '100']]]] },
      { keys: ['b.local.:-'], directives: [] },
    ],
  },
  {
    name: 'a { on the line after a directive opens its block (CoreDNS accepts this)',
    input: '. {\n  forward . 1.1.1.1\n  {\n    force_tcp\n  }\n  loop\n}\n',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['forward', '.', '1.1.1.1', [['force_tcp']]], ['loop']] }],
  },
  {
    name: 'a quoted argument may span lines',
    input: '. {\n  log "a\nb" c\n  loop\n}\n',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['log', 'a\nb', 'c'], ['loop']] }],
  },
  {
    name: 'CRLF line ends',
    input: '. {\r\n  cache 30\r\n}\r\n',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['cache', '30']] }],
  },
  {
    name: 'snippet defined and imported at top level, in a block and in a directive block',
    input:
      '(common) {\n  errors\n  log\n}\n(opts) {\n  force_tcp\n}\n' +
      '(whole) {\n  w.local {\n    import common\n  }\n}\n' +
      'a.local {\n  import common\n  forward . 1.1.1.1 {\n    import opts\n  }\n}\nimport whole\n',
    shouldErr: false,
    expect: [
      { keys: ['a.local.:-'], directives: [['errors'], ['log'], ['forward', '.', '1.1.1.1', [['force_tcp']]]] },
      { keys: ['w.local.:-'], directives: [['errors'], ['log']] },
    ],
  },
  {
    name: 'snippet on one line, import after { on the same line',
    input: '(s) { loop }\na.local { import s }\n',
    shouldErr: false,
    expect: [{ keys: ['a.local.:-'], directives: [['loop']] }],
  },
  {
    name: 'a quoted "import" is an ordinary word',
    input: '. {\n  "import" x\n}\n',
    shouldErr: false,
    expect: [{ keys: ['.:-'], directives: [['import', 'x']] }],
  },

  // Errors: each names the file and the line of the offending token.
  { name: 'unexpected } at top level', input: '. {\n}\n}\n', shouldErr: true, errContains: "Corefile:3: unexpected '}'" },
  { name: 'unexpected } after a directive block', input: '. {\n  a {\n  }\n  } x\n', shouldErr: true, errContains: "Corefile:4: unexpected 'x' after '}'" },
  { name: 'unclosed server block', input: '. {\n  cache 30\n', shouldErr: true, errContains: "Corefile:1: '{' is never closed" },
  { name: 'unclosed directive block', input: '. {\n  cache 30 {\n    success 10\n', shouldErr: true, errContains: "Corefile:2: '{' is never closed" },
  { name: 'block with no keys', input: '\n{\n  loop\n}\n', shouldErr: true, errContains: 'Corefile:2: server block has no keys' },
  { name: 'block whose keys are all empty', input: '"" {\n}\n', shouldErr: true, errContains: 'Corefile:1: server block has no keys' },
  { name: 'a } inside a block written without braces', input: '.:53\n  loop\n}\n', shouldErr: true, errContains: "Corefile:3: unexpected '}' in a server block written without braces" },
  { name: 'a { after a blank line still belongs to the directive before it', input: '. {\n  loop\n\n  {\n  }\n}\n', shouldErr: false, expect: [{ keys: ['.:-'], directives: [['loop', []]] }] },
  { name: '{ with nothing before it in a block', input: '. {\n  {\n  }\n}\n', shouldErr: true, errContains: "Corefile:2: unexpected '{'" },
  { name: 'trailing comma before {', input: 'a.local, {\n}\n', shouldErr: true, errContains: "Corefile:1: expected another key after 'a.local,'" },
  { name: 'trailing comma at end of input', input: 'a.local,\n', shouldErr: true, errContains: "Corefile:1: expected another key after 'a.local,'" },
  { name: 'unsupported scheme', input: 'tls://example.org {\n}\n', shouldErr: true, errContains: 'Corefile:1: scheme tls:// is not supported' },
  { name: 'https scheme', input: '. https://example.org:443 {\n}\n', shouldErr: true, errContains: 'Corefile:1: scheme https:// is not supported' },
  { name: 'port zero', input: 'example.org:0 {\n}\n', shouldErr: true, errContains: 'Corefile:1: port 0 in key' },
  { name: 'port too large', input: '\n\nexample.org:65536 {\n}\n', shouldErr: true, errContains: 'Corefile:3: port 65536' },
  { name: 'invalid CIDR key', input: '10.0.0.0/33 {\n}\n', shouldErr: true, errContains: "Corefile:1: invalid CIDR '10.0.0.0/33'" },
  { name: 'snippet used but not defined', input: '. {\n  import nothing\n}\n', shouldErr: true, errContains: "Corefile:2: import 'nothing': no snippet '(nothing)'" },
  { name: 'snippet used before it is defined', input: '. {\n  import s\n}\n(s) {\n  loop\n}\n', shouldErr: true, errContains: "Corefile:2: import 's': no snippet" },
  { name: 'snippet defined twice', input: '(s) {\n}\n(s) {\n}\n', shouldErr: true, errContains: "Corefile:3: snippet '(s)' is defined more than once" },
  { name: 'snippet importing itself', input: '(s) {\n  import s\n}\n. {\n  import s\n}\n', shouldErr: true, errContains: 'Corefile:2: import cycle: Corefile -> (s) -> (s)' },
  {
    name: 'snippets importing each other',
    input: '(a) {\n  import b\n}\n(b) {\n  import a\n}\n. {\n  import a\n}\n',
    shouldErr: true,
    errContains: 'Corefile:5: import cycle: Corefile -> (a) -> (b) -> (a)',
  },
  { name: 'snippet without a block', input: '(s)\nloop\n', shouldErr: true, errContains: "Corefile:1: snippet '(s)' must be alone on its line" },
  { name: 'unclosed snippet', input: '(s) {\n  loop\n', shouldErr: true, errContains: "Corefile:1: '{' of snippet '(s)' is never closed" },
  { name: 'import without argument', input: '. {\n  import\n}\n', shouldErr: true, errContains: "Corefile:2: 'import' takes exactly one argument" },
  { name: 'import with two arguments', input: '. {\n  import a b\n}\n', shouldErr: true, errContains: "Corefile:2: 'import' takes exactly one argument" },
  { name: 'unterminated quote', input: '. {\n  log "abc\n}\n', shouldErr: true, errContains: 'Corefile:2: unterminated quoted string' },
  { name: 'empty directive name', input: '. {\n  "" a\n}\n', shouldErr: true, errContains: 'Corefile:2: empty directive name' },
  { name: 'invalid zone', input: 'a..b {\n}\n', shouldErr: true, errContains: "Corefile:1: zone 'a..b' is not a valid domain name" },
];

describe('parseCorefile', () => {
  it.each(cases)('$name', (c) => {
    const run = () => parseCorefile(c.input, { file: 'Corefile', env: c.env ?? {}, readFile: noFiles, glob: () => [] });
    if (c.shouldErr) {
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(c.errContains ?? '');
      return;
    }
    expect(blockShapes(run())).toEqual(c.expect);
  });

  it(`accepts blocks nested ${MAX_BLOCK_DEPTH} deep and rejects one more`, () => {
    const nested = (n: number) => '. {\n' + 'o {\n'.repeat(n - 1) + '}\n'.repeat(n);
    expect(() => parseCorefile(nested(MAX_BLOCK_DEPTH), { file: 'C', env: {} })).not.toThrow();
    expect(() => parseCorefile(nested(MAX_BLOCK_DEPTH + 1), { file: 'C', env: {} })).toThrow(
      `C:${MAX_BLOCK_DEPTH + 1}: blocks are nested more than ${MAX_BLOCK_DEPTH} deep`,
    );
  });

  it('stops snippets that multiply each other before they exhaust memory', () => {
    // s0 is one directive; each s(k+1) imports s(k) ten times: s6 would be a million lines.
    let text = '(s0) {\n  loop\n}\n';
    for (let k = 1; k <= 6; k++) text += `(s${k}) {\n` + `  import s${k - 1}\n`.repeat(10) + '}\n';
    expect(() => parseCorefile(text + '. {\n  import s5\n}\n', { file: 'C', env: {} })).not.toThrow();
    expect(() => parseCorefile(text + '. {\n  import s6\n}\n', { file: 'C', env: {} })).toThrow(
      `expands to more than ${MAX_EXPANDED_TOKENS} tokens`,
    );
  });

  it('records the file and line of blocks, keys, directives and options', () => {
    const blocks = parseCorefile('# c\n\na.local,\n  b.local {\n  cache 30 {\n\n    success 5\n  }\n}\n', {
      file: 'conf/Corefile',
      env: {},
    });
    const b = blocks[0]!;
    expect([b.file, b.line]).toEqual(['conf/Corefile', 3]);
    expect(b.keys.map((k) => k.line)).toEqual([3, 4]);
    expect(b.directives[0]!.line).toBe(5);
    expect(b.directives[0]!.block![0]!.line).toBe(7);
  });

  it('keeps the line where a multi-line quoted word starts, and counts its newlines after', () => {
    const b = parseCorefile('. {\n  log "x\ny\nz"\n  loop\n}\n', { file: 'C', env: {} })[0]!;
    expect(b.directives.map((d) => [d.name, d.line])).toEqual([['log', 2], ['loop', 5]]);
  });

  it('returns frozen results', () => {
    const b = parseCorefile('. {\n  cache 30\n}\n', { file: 'C', env: {} })[0]!;
    expect(Object.isFrozen(b)).toBe(true);
    expect(Object.isFrozen(b.keys)).toBe(true);
    expect(Object.isFrozen(b.directives[0]!.args)).toBe(true);
  });

  it('gives tokens pasted from a snippet the snippet lines', () => {
    const b = parseCorefile('(s) {\n  errors\n}\n. {\n  import s\n  loop\n}\n', { file: 'C', env: {} })[0]!;
    expect(b.directives.map((d) => [d.name, d.line])).toEqual([['errors', 2], ['loop', 6]]);
  });
});

function noFiles(path: string): string {
  throw Object.assign(new Error(`ENOENT: no such file '${path}'`), { code: 'ENOENT' });
}
