// How both bins start, whatever starts them (the npm bin link, `node dist/...`, npm start, the
// image, a systemd unit): check the Node version against package.json's `engines` (one line on
// stderr and exit 1 when it is too old, before any module that needs a newer Node is loaded),
// make sure the V8 flags the program needs are in effect, then load the program.
//
// V8 sizes its heap when the process starts: v8.setFlagsFromString('--max-semi-space-size=8')
// afterwards leaves the young generation as it was (measured: 128 MB of new space either way,
// 16 MB with the flag on the command line). So a bin that needs a flag and was started without it
// re-executes node with it: process.execve replaces the process image, keeping the PID, the
// open stdio and the environment, so signals from a supervisor or a container runtime reach the
// program itself. Only where execve does not exist (Windows) does a child process run the program.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeMismatch } from './runtime-check.js';

export interface LaunchSpec {
  /** The program's name, as its messages start. */
  readonly program: string;
  /** The program's own module, imported once the runtime is right. */
  readonly main: URL;
  /** Node/V8 flags the program needs (`--name=value`). One the user gave (command line or NODE_OPTIONS) is kept as given. */
  readonly nodeFlags: readonly string[];
}

/** `engines.node` of this package: package.json is found upwards from here (dist/src/cli/ or src/cli/). */
function requiredRange(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; engines?: { node?: string } };
      if (pkg.name === 'clusterset-dns') return pkg.engines?.node ?? null;
    }
    dir = dirname(dir);
  }
  return null;
}

const flagName = (arg: string): string => (arg.split('=')[0] ?? '').replace(/_/g, '-');

/** The flags of `wanted` that neither the command line nor NODE_OPTIONS sets (with any value). */
export function missingFlags(wanted: readonly string[], execArgv: readonly string[], nodeOptions: string): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].filter((a) => a.startsWith('--')).map(flagName));
  return wanted.filter((f) => !given.has(flagName(f)));
}

export async function launch(spec: LaunchSpec): Promise<void> {
  const required = requiredRange();
  const mismatch = required === null ? null : runtimeMismatch(spec.program, process.versions.node, required);
  if (mismatch !== null) {
    process.stderr.write(`${mismatch}\n`);
    process.exit(1);
  }
  const missing = missingFlags(spec.nodeFlags, process.execArgv, process.env['NODE_OPTIONS'] ?? '');
  if (missing.length === 0) {
    await import(spec.main.href);
    return;
  }
  const args = [...missing, ...process.execArgv, process.argv[1] ?? '', ...process.argv.slice(2)];
  if (typeof process.execve === 'function') process.execve(process.execPath, [process.execPath, ...args], process.env);
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
}
