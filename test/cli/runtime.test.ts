// The bins' runtime: on a Node older than package.json's engines both print one line naming the
// required and the found version and exit 1 before anything else (the real bins, with the found
// version faked by a preloaded module); they carry their V8 flags themselves (re-executing node
// with them in the same process), and a flag the user gave wins.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { missingFlags } from '../../src/cli/launch.js';
import { lowestAdmitted, runtimeMismatch } from '../../src/cli/runtime-check.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BINS = { 'clusterset-dns': `${root}dist/src/cli/clusterset-dns.js`, 'clusterset-reconciler': `${root}dist/src/cli/clusterset-reconciler.js` } as const;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };

/** A module preloaded with --import: it makes the process report another Node version. */
const fakeVersion = (v: string): string => `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${v}"});Object.defineProperty(process,"version",{value:"v${v}"})`;
/** Preloaded too: the program's process says, as it exits, which flags it runs with (a process that
 * execve replaced never exits, so a parent that spawned a child would say it too). */
const REPORT = 'data:text/javascript,process.on("exit",()=>process.stderr.write("RUNTIME "+JSON.stringify({execArgv:process.execArgv})+"\\n"))';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(nodeArgs: readonly string[], bin: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...nodeArgs, bin, ...args], { timeout: 20_000, env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const reported = (stderr: string): { execArgv: string[] } => JSON.parse(/^RUNTIME (.*)$/m.exec(stderr)?.[1] ?? 'null') as { execArgv: string[] };

describe('the Node version check', () => {
  it('package.json asks for Node 24, the Node the devDependency pins', () => {
    expect(lowestAdmitted(pkg.engines.node)?.[0]).toBe(24);
    expect(lowestAdmitted(pkg.devDependencies['node'] ?? '')?.[0]).toBe(24);
  });

  it.each([
    ['20.11.1', '>=24', 'x: requires Node.js >=24, found v20.11.1'],
    ['22.12.0', '>=24', 'x: requires Node.js >=24, found v22.12.0'],
    ['24.0.0', '>=24', null],
    ['26.1.0', '>=24', null],
    ['24.0.9', '^24.1.0', 'x: requires Node.js ^24.1.0, found v24.0.9'],
    ['24.1.0', '>=24.1', null],
    ['20.0.0', '>=24 <26', null], // a range it cannot read stops nothing
  ])('found %s, required %s', (found, required, line) => {
    expect(runtimeMismatch('x', found, required)).toBe(line);
  });

  it.each(Object.entries(BINS))('%s on an older Node: one line, exit 1, before anything else', async (program, bin) => {
    // A Corefile / config that does not exist: had the program started, it would say so instead.
    const r = await run(['--import', fakeVersion('22.11.0')], bin, program === 'clusterset-dns' ? ['-conf', '/nonexistent/Corefile'] : ['--config', '/nonexistent.yaml']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `${program}: requires Node.js >=24, found v22.11.0\n` });
  });
});

describe('the runtime flags the bins carry', () => {
  it.each([
    [[], '', ['--max-semi-space-size=8']],
    [['--max-semi-space-size=16'], '', []],
    [['--max_semi_space_size', '16'], '', []],
    [[], '--max-semi-space-size=4 --trace-warnings', []],
    [['--import', 'tsx'], '--trace-warnings', ['--max-semi-space-size=8']],
  ])('execArgv %j, NODE_OPTIONS %j: adds %j', (execArgv, nodeOptions, added) => {
    expect(missingFlags(['--max-semi-space-size=8'], execArgv, nodeOptions)).toEqual(added);
  });

  it.each([
    ['clusterset-dns', ['-version'], /^clusterset-dns-\d+\.\d+\.\d+\n/],
    ['clusterset-reconciler', ['--help'], /^usage: clusterset-reconciler/],
  ] as const)('%s started without flags runs with --max-semi-space-size=8, in the same process', async (program, args, out) => {
    const r = await run(['--import', REPORT], BINS[program], args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(out);
    const { execArgv } = reported(r.stderr);
    expect(execArgv[0]).toBe('--max-semi-space-size=8');
    expect(execArgv.slice(1)).toEqual(['--import', REPORT]); // the user's own flags are kept
    expect(r.stderr.match(/^RUNTIME /gm)).toHaveLength(1); // one program ran, not a parent and a child
  });

  it('a value the user gives, on the command line or in NODE_OPTIONS, is kept', async () => {
    const own = await run(['--max-semi-space-size=16', '--import', REPORT], BINS['clusterset-dns'], ['-version']);
    expect(reported(own.stderr).execArgv).toEqual(['--max-semi-space-size=16', '--import', REPORT]);
    const env = await run(['--import', REPORT], BINS['clusterset-dns'], ['-version'], { ...process.env, NODE_OPTIONS: '--max-semi-space-size=4' });
    expect(reported(env.stderr).execArgv).toEqual(['--import', REPORT]);
  });
});
