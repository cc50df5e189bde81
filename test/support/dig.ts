// Runs Debian's `dig` against a local server and reads the parts of its output tests compare.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DigResult {
  readonly status: string;
  readonly flags: string[];
  readonly answer: string[];
  readonly raw: string;
}

export async function dig(port: number, args: readonly string[]): Promise<DigResult> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], { timeout: 10_000 });
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
  const flags = (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
  const section = /;; ANSWER SECTION:\n([\s\S]*?)(\n\n|$)/.exec(stdout)?.[1] ?? '';
  const answer = section
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(/\s+/).join(' '))
    .sort();
  return { status, flags, answer, raw: stdout };
}
