// The Corefile parser: text -> server blocks of keys and directives, every piece carrying its file
// and line. It knows the grammar only; which directives and options exist is each plugin's setup.
// As in CoreDNS (Caddy's caddyfile parser), a block's keys end with their line, and keys not
// followed by `{` start a block without braces that runs to the end of the file: the usual way to
// write a Corefile of a single block (`.:53` and then directives, one per line).

import { globSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from './env-substitution.js';
import { expandImports } from './imports.js';
import { lex, type Token } from './lexer.js';
import { parseServerKeys } from './server-key.js';
import { ConfigError, type Directive, type ServerBlock, type ServerKey } from './types.js';

export interface ParseOptions {
  /** Name of the text's file, used in errors and as the base of relative imports. */
  readonly file: string;
  readonly env: Env;
  readonly readFile?: (path: string) => string;
  /** Paths matching `pattern` (relative to `cwd`, or absolute); files only. */
  readonly glob?: (pattern: string, cwd: string) => string[];
}

export function parseCorefile(text: string, opts: ParseOptions): ServerBlock[] {
  const tokens = expandImports(lex(text, opts.file, opts.env), opts.file, opts.env, {
    readFile: opts.readFile ?? ((path) => readFileSync(path, 'utf8')),
    glob: opts.glob ?? globFiles,
  });
  return new BlockParser(tokens).serverBlocks();
}

function globFiles(pattern: string, cwd: string): string[] {
  return globSync(pattern, { cwd }).filter((p) => statSync(resolve(cwd, p)).isFile());
}

/** Far beyond any real option nesting; keeps a hostile file from exhausting the stack. */
export const MAX_BLOCK_DEPTH = 50;

class BlockParser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  serverBlocks(): ServerBlock[] {
    const blocks: ServerBlock[] = [];
    for (;;) {
      this.skipEols();
      const t = this.peek();
      if (t === undefined) return blocks;
      if (t.kind === 'close') throw ConfigError.at(t, `unexpected '}' outside any block`);
      blocks.push(this.serverBlock());
    }
  }

  private serverBlock(): ServerBlock {
    const keyTokens = this.keyTokens();
    const open = this.peek();
    const first = keyTokens[0];
    const keys: ServerKey[] = [];
    for (const k of keyTokens) {
      for (const piece of k.text.split(',')) if (piece !== '') keys.push(...parseServerKeys(piece, k));
    }
    if (first === undefined || keys.length === 0) throw ConfigError.at(open ?? this.last(), 'server block has no keys');
    const directives = open?.kind === 'open' ? this.blockBody() : this.bracelessBody();
    return Object.freeze({ keys: Object.freeze(keys), directives, file: first.file, line: first.line });
  }

  /** A block without braces: every directive up to the end of the input (CoreDNS's single-block form). */
  private bracelessBody(): readonly Directive[] {
    const directives: Directive[] = [];
    for (;;) {
      this.skipEols();
      const t = this.peek();
      if (t === undefined) return Object.freeze(directives);
      if (t.kind === 'close') throw ConfigError.at(t, `unexpected '}' in a server block written without braces`);
      if (t.kind === 'open') throw ConfigError.at(t, `unexpected '{' with no directive before it`);
      directives.push(this.directive());
    }
  }

  /** The words before a server block's `{`; a line ending in a comma continues on the next line. */
  private keyTokens(): Token[] {
    const keys: Token[] = [];
    for (;;) {
      while (this.peek()?.kind === 'word') keys.push(this.tokens[this.i++]!);
      const last = keys[keys.length - 1];
      this.skipEols(); // `{` may sit on the line after the keys, as CoreDNS allows.
      if (last === undefined || !last.text.endsWith(',')) return keys;
      if (this.peek()?.kind !== 'word') throw ConfigError.at(this.peek() ?? last, `expected another key after '${last.text}'`);
    }
  }

  /** After the `{` at the cursor: directives up to and including the matching `}`. */
  private blockBody(): readonly Directive[] {
    const open = this.tokens[this.i++]!;
    if (++this.depth > MAX_BLOCK_DEPTH) throw ConfigError.at(open, `blocks are nested more than ${MAX_BLOCK_DEPTH} deep`);
    const directives: Directive[] = [];
    for (;;) {
      this.skipEols();
      const t = this.peek();
      if (t === undefined) throw ConfigError.at(open, `'{' is never closed`);
      if (t.kind === 'close') {
        this.i++;
        this.depth--;
        this.expectLineEnd();
        return Object.freeze(directives);
      }
      if (t.kind === 'open') throw ConfigError.at(t, `unexpected '{' with no directive before it`);
      directives.push(this.directive());
    }
  }

  private directive(): Directive {
    const nameToken = this.tokens[this.i++]!;
    if (nameToken.text === '') throw ConfigError.at(nameToken, 'empty directive name');
    const args: string[] = [];
    while (this.peek()?.kind === 'word') args.push(this.tokens[this.i++]!.text);
    if (this.peek()?.kind === 'eol' && this.peekPastEols()?.kind === 'open') {
      // CoreDNS also takes a `{` on the line after the directive as the directive's block.
      this.skipEols();
    }
    const block = this.peek()?.kind === 'open' ? this.blockBody() : null;
    return Object.freeze({
      name: nameToken.text,
      args: Object.freeze(args),
      block,
      file: nameToken.file,
      line: nameToken.line,
    });
  }

  /** After a `}`: the line must end, or an enclosing block close on the same line. */
  private expectLineEnd(): void {
    const t = this.peek();
    if (t === undefined || t.kind === 'eol' || t.kind === 'close') return;
    throw ConfigError.at(t, `unexpected '${t.text}' after '}'`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private peekPastEols(): Token | undefined {
    let j = this.i;
    while (this.tokens[j]?.kind === 'eol') j++;
    return this.tokens[j];
  }

  private skipEols(): void {
    while (this.peek()?.kind === 'eol') this.i++;
  }

  private last(): Token {
    return this.tokens[this.tokens.length - 1]!;
  }
}
