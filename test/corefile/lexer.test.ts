import { describe, expect, it } from 'vitest';
import { lex } from '../../src/corefile/lexer.js';
import { substituteEnv } from '../../src/corefile/env-substitution.js';

/** Tokens as `text@line` (words), `{@line`, `}@line`, `$` (end of line), quoted words as `"text"@line`. */
function view(input: string, env: Record<string, string> = {}): string {
  return lex(input, 'F', env)
    .map((t) => {
      if (t.kind === 'eol') return '$';
      const text = t.quoted ? JSON.stringify(t.text) : t.text;
      return `${text}@${t.line}`;
    })
    .join(' ');
}

const cases: { name: string; input: string; env?: Record<string, string>; want: string }[] = [
  { name: 'empty', input: '', want: '' },
  { name: 'blank lines give no tokens', input: '\n\n  \n', want: '' },
  { name: 'words, braces, ends of line', input: 'a b {\n  c\n}\n', want: 'a@1 b@1 {@1 $ c@2 $ }@3 $' },
  { name: 'final eol added without trailing newline', input: 'a', want: 'a@1 $' },
  { name: 'tabs and CRLF', input: 'a\tb\r\nc', want: 'a@1 b@1 $ c@2 $' },
  { name: 'comment line', input: '# x y\na', want: 'a@2 $' },
  { name: 'comment after words', input: 'a b # c {\nd', want: 'a@1 b@1 $ d@2 $' },
  { name: 'comment glued to a word ends the word (CoreDNS)', input: 'a#b c\nd', want: 'a@1 $ d@2 $' },
  { name: '# inside quotes is text', input: '"a # b"', want: '"a # b"@1 $' },
  { name: 'escaped quote in quotes', input: '"a\\"b"', want: '"a\\"b"@1 $' },
  { name: 'other backslashes stay', input: '"a\\nb\\\\"', want: '"a\\\\nb\\\\\\\\"@1 $' },
  { name: 'quote inside a word is literal', input: 'a"b"', want: 'a"b"@1 $' },
  { name: 'a word right after a closing quote is separate', input: '"a"b', want: '"a"@1 b@1 $' },
  { name: 'empty quoted word', input: 'a ""', want: 'a@1 ""@1 $' },
  { name: 'quoted word across lines keeps its start line', input: '"a\nb" c\nd', want: '"a\\nb"@1 c@2 $ d@3 $' },
  { name: 'quoted braces are words', input: '"{" "}"', want: '"{"@1 "}"@1 $' },
  { name: '{} is an empty block', input: 'a {}', want: 'a@1 {@1 }@1 $' },
  { name: 'braces glued to words are words', input: '{a} b{', want: '{a}@1 b{@1 $' },
  { name: 'env in words', input: '{$A}/x {$B}', env: { A: '/home' }, want: '/home/x@1 @1 $' },
  { name: 'env in quoted words', input: '"{$A} z"', env: { A: 'y' }, want: '"y z"@1 $' },
  { name: 'env value with a space stays one word', input: '{$A}', env: { A: 'p q' }, want: 'p q@1 $' },
  { name: 'env value that is a brace is not a block', input: '{$A}', env: { A: '{' }, want: '{@1 $' },
];

describe('lex', () => {
  it.each(cases)('$name', (c) => {
    expect(view(c.input, c.env)).toBe(c.want);
  });

  it('marks an env-produced brace as a word', () => {
    expect(lex('{$A}', 'F', { A: '{' })[0]?.kind).toBe('word');
  });

  it('rejects an unterminated quote at the line it starts', () => {
    expect(() => lex('a\n"b\nc', 'conf/F', {})).toThrow('conf/F:2: unterminated quoted string');
  });
});

describe('substituteEnv', () => {
  const env = { A: 'x', B: '{$A}', EMPTY: '' };
  it.each([
    ['{$A}', 'x'],
    ['pre{$A}post{$A}', 'prexpost' + 'x'],
    ['{%A%}', 'x'],
    ['{$MISSING}', ''],
    ['{$EMPTY}', ''],
    ['{$B}', '{$A}'], // replaced text is not rescanned
    ['{$}', '{$}'],
    ['{A}', '{A}'],
    ['{$toString}', ''], // no prototype lookups
    ['no refs', 'no refs'],
  ])('%s -> %s', (input, want) => {
    expect(substituteEnv(input, env)).toBe(want);
  });
});
