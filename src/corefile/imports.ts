// Expands `import` lines and collects `(snippet) { ... }` definitions, so that the block parser
// sees one flat token stream. An import line (at top level, in a block or in a directive's
// block) is replaced by the snippet's tokens or by the tokens of every file it names; each
// pasted token keeps its own file and line. Paths are relative to the importing token's file.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Env } from './env-substitution.js';
import { lex, type Token } from './lexer.js';
import { ConfigError } from './types.js';

/** Deeper than this is almost surely a mistake, and it bounds the work a config can cause. */
export const MAX_IMPORT_DEPTH = 10;

/** Snippets importing snippets several times each grow exponentially; stop long before memory does. */
export const MAX_EXPANDED_TOKENS = 1_000_000;

export interface ImportIo {
  readFile(path: string): string;
  /** Paths matching `pattern`, relative to `cwd` or absolute. */
  glob(pattern: string, cwd: string): string[];
}

interface Frame {
  /** `file:<absolute path>` or `snippet:<name>`, compared to find cycles. */
  readonly key: string;
  readonly label: string;
}

interface State {
  readonly io: ImportIo;
  readonly env: Env;
  readonly snippets: Map<string, readonly Token[]>;
  readonly out: Token[];
  /** Brace depth of the output so far: snippets are defined only at the top level. */
  depth: number;
}

/** `tokens` are the lexed root file `file`. */
export function expandImports(tokens: readonly Token[], file: string, env: Env, io: ImportIo): Token[] {
  const state: State = { io, env, snippets: new Map(), out: [], depth: 0 };
  expand(tokens, [{ key: `file:${resolve(file)}`, label: file }], state);
  return state.out;
}

function expand(tokens: readonly Token[], stack: readonly Frame[], state: State): void {
  let lineStart = true;
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (lineStart && t.kind === 'word' && !t.quoted) {
      if (t.text === 'import') {
        i = importLine(tokens, i, stack, state);
        continue;
      }
      if (state.depth === 0 && isSnippetName(t.text)) {
        i = defineSnippet(tokens, i, state);
        continue;
      }
    }
    if (t.kind === 'open') state.depth++;
    if (t.kind === 'close' && state.depth > 0) state.depth--;
    lineStart = t.kind === 'eol' || t.kind === 'open';
    if (state.out.push(t) > MAX_EXPANDED_TOKENS) {
      throw ConfigError.at(t, `the configuration expands to more than ${MAX_EXPANDED_TOKENS} tokens through imports`);
    }
    i++;
  }
}

function isSnippetName(text: string): boolean {
  return text.length >= 2 && text.startsWith('(') && text.endsWith(')');
}

/** Handles the import line starting at `i`; returns the index of the token that ends it. */
function importLine(tokens: readonly Token[], i: number, stack: readonly Frame[], state: State): number {
  const importToken = tokens[i]!;
  const args: Token[] = [];
  let j = i + 1;
  for (; tokens[j]?.kind === 'word'; j++) args.push(tokens[j]!);
  if (tokens[j]?.kind === 'open') throw ConfigError.at(tokens[j]!, `'import' cannot open a block`);
  const pattern = args[0];
  if (pattern === undefined || args.length > 1) {
    throw ConfigError.at(importToken, `'import' takes exactly one argument (a snippet name, file or glob), got ${args.length}`);
  }
  if (stack.length > MAX_IMPORT_DEPTH) {
    throw ConfigError.at(importToken, `imports are nested more than ${MAX_IMPORT_DEPTH} deep (${labels(stack)})`);
  }

  const snippet = state.snippets.get(pattern.text);
  if (snippet !== undefined) {
    const frame = { key: `snippet:${pattern.text}`, label: `(${pattern.text})` };
    checkCycle(frame, stack, importToken);
    expand(snippet, [...stack, frame], state);
    return j;
  }

  const dir = dirname(importToken.file);
  if (/[*?[]/.test(pattern.text)) {
    let matches: string[];
    try {
      matches = state.io.glob(pattern.text, dir);
    } catch (err) {
      throw ConfigError.at(importToken, `import '${pattern.text}': ${errorText(err)}`);
    }
    // A glob that matches nothing imports nothing, as in CoreDNS (conf.d may be empty).
    for (const match of [...matches].sort()) importFile(isAbsolute(match) ? match : join(dir, match), importToken, stack, state);
    return j;
  }

  const path = isAbsolute(pattern.text) ? pattern.text : join(dir, pattern.text);
  importFile(path, importToken, stack, state, pattern.text);
  return j;
}

function importFile(path: string, at: Token, stack: readonly Frame[], state: State, snippetName?: string): void {
  const frame = { key: `file:${resolve(path)}`, label: path };
  checkCycle(frame, stack, at);
  let text: string;
  try {
    text = state.io.readFile(path);
  } catch (err) {
    if (snippetName !== undefined && isNotFound(err)) {
      throw ConfigError.at(at, `import '${snippetName}': no snippet '(${snippetName})' is defined above and file '${path}' does not exist`);
    }
    throw ConfigError.at(at, `import: cannot read '${path}': ${errorText(err)}`);
  }
  const tokens = lex(text, path, state.env);
  checkBalanced(tokens);
  expand(tokens, [...stack, frame], state);
}

/**
 * An imported file must close what it opens: otherwise its braces would pair with the importing
 * file's and the error would point at the wrong file.
 */
function checkBalanced(tokens: readonly Token[]): void {
  const opens: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'open') opens.push(t);
    if (t.kind === 'close' && opens.pop() === undefined) {
      throw ConfigError.at(t, `unexpected '}': an imported file must close only the blocks it opens`);
    }
  }
  const unclosed = opens[opens.length - 1];
  if (unclosed !== undefined) throw ConfigError.at(unclosed, `'{' is never closed in this imported file`);
}

function checkCycle(frame: Frame, stack: readonly Frame[], at: Token): void {
  if (stack.some((f) => f.key === frame.key)) {
    throw ConfigError.at(at, `import cycle: ${labels(stack)} -> ${frame.label}`);
  }
}

function labels(stack: readonly Frame[]): string {
  return stack.map((f) => f.label).join(' -> ');
}

/** Records `(name) { ... }` at `i`; returns the index after its closing brace. */
function defineSnippet(tokens: readonly Token[], i: number, state: State): number {
  const nameToken = tokens[i]!;
  const name = nameToken.text.slice(1, -1);
  let j = i + 1;
  while (tokens[j]?.kind === 'eol') j++;
  const open = tokens[j];
  if (open?.kind !== 'open') {
    throw ConfigError.at(nameToken, `snippet '${nameToken.text}' must be alone on its line and followed by '{'`);
  }
  if (name.trim() === '') throw ConfigError.at(nameToken, 'snippet name is empty');
  if (state.snippets.has(name)) throw ConfigError.at(nameToken, `snippet '${nameToken.text}' is defined more than once`);

  let nesting = 0;
  for (let k = j + 1; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind === 'open') nesting++;
    if (t.kind !== 'close') continue;
    if (nesting > 0) {
      nesting--;
      continue;
    }
    const after = tokens[k + 1];
    if (after !== undefined && after.kind !== 'eol') throw ConfigError.at(after, `unexpected '${after.text}' after '}'`);
    state.snippets.set(name, tokens.slice(j + 1, k));
    return k + 1;
  }
  throw ConfigError.at(open, `'{' of snippet '${nameToken.text}' is never closed`);
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
