// Turns Corefile text into tokens (Caddyfile rules, as CoreDNS reads them): words, `{`, `}` and
// explicit ends of line, each with the file and line it starts on. Ends of line are tokens
// because a directive is "the words on one line", and imported text keeps its own line numbers.

import { ConfigError } from './types.js';
import { substituteEnv, type Env } from './env-substitution.js';

export type TokenKind = 'word' | 'open' | 'close' | 'eol';

export interface Token {
  readonly kind: TokenKind;
  /** Word text after `{$ENV}` substitution and quote removal; "{", "}" or "\n" otherwise. */
  readonly text: string;
  /** A quoted word is never a brace, an `import` or a snippet name, whatever its text. */
  readonly quoted: boolean;
  readonly file: string;
  readonly line: number;
}

/**
 * Lexes one file. `#` starts a comment anywhere outside quotes (as in CoreDNS, even inside a
 * word). Inside double quotes only `\"` is an escape; a quoted word may span lines and keeps the
 * line it starts on. The result always ends with an `eol` token unless it is empty.
 */
export function lex(text: string, file: string, env: Env): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let word = '';
  let wordLine = 0;
  let inWord = false;
  let comment = false;

  const endWord = (): void => {
    if (!inWord) return;
    pushUnquoted(tokens, word, file, wordLine, env);
    word = '';
    inWord = false;
  };
  const endLine = (): void => {
    endWord();
    const last = tokens[tokens.length - 1];
    if (last !== undefined && last.kind !== 'eol') tokens.push({ kind: 'eol', text: '\n', quoted: false, file, line });
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      endLine();
      comment = false;
      line++;
      continue;
    }
    if (comment || ch === '\r') continue;
    if (ch === ' ' || ch === '\t' || ch === '\f' || ch === '\v') {
      endWord();
      continue;
    }
    if (ch === '#') {
      comment = true;
      endWord();
      continue;
    }
    if (ch === '"' && !inWord) {
      const quoted = readQuoted(text, i + 1, file, line);
      tokens.push({ kind: 'word', text: substituteEnv(quoted.value, env), quoted: true, file, line });
      line += quoted.newlines;
      i = quoted.end; // index of the closing quote
      continue;
    }
    if (!inWord) {
      inWord = true;
      wordLine = line;
    }
    word += ch;
  }
  endLine();
  return tokens;
}

function pushUnquoted(tokens: Token[], raw: string, file: string, line: number, env: Env): void {
  // Braces are recognised on the raw text, so an environment value can never open a block.
  if (raw === '{' || raw === '}') {
    tokens.push({ kind: raw === '{' ? 'open' : 'close', text: raw, quoted: false, file, line });
  } else if (raw === '{}') {
    // CoreDNS would read `{}` as one word; an empty block is the only sensible meaning.
    tokens.push({ kind: 'open', text: '{', quoted: false, file, line });
    tokens.push({ kind: 'close', text: '}', quoted: false, file, line });
  } else {
    tokens.push({ kind: 'word', text: substituteEnv(raw, env), quoted: false, file, line });
  }
}

function readQuoted(
  text: string,
  start: number,
  file: string,
  line: number,
): { value: string; end: number; newlines: number } {
  let value = '';
  let newlines = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      // Only `\"` is an escape; any other backslash stays, and so does the character after it.
      value += next === '"' ? '"' : '\\' + next;
      if (next === '\n') newlines++;
      i++;
      continue;
    }
    if (ch === '"') return { value, end: i, newlines };
    if (ch === '\n') newlines++;
    if (ch !== '\r') value += ch;
  }
  throw ConfigError.at({ file, line }, 'unterminated quoted string');
}
