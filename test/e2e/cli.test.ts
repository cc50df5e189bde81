// The clusterset-dns program itself (dist/, built by `npm test`): flags, config errors as
// FILE:LINE: message with exit 1 before any socket is bound, and serving the embedded default.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { dig } from '../support/dig.js';
import { writeFiles } from '../support/harness.js';
import { freePort } from '../support/ports.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = `${root}dist/src/cli/clusterset-dns.js`;

async function fails(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [bin, ...args], { cwd: root, timeout: 10_000 });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

describe('clusterset-dns CLI', () => {
  let child: ChildProcess | null = null;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = null;
  });

  it('-version and -plugins', async () => {
    const v = await run(process.execPath, [bin, '-version']);
    expect(v.stdout).toMatch(/^clusterset-dns-\d+\.\d+\.\d+/);
    const p = await run(process.execPath, [bin, '-plugins']);
    expect(p.stdout).toContain('dns.multicluster');
    expect(p.stdout).toContain('dns.bind');
  });

  it.each([
    ['unknown directive', 'clusterset.local {\n  multicluster {\n    objects o.yaml\n  }\n  frobnicate\n}\n', ':5: unknown directive'],
    ['unknown option', 'clusterset.local {\n  multicluster {\n    objects o.yaml\n    bogus 1\n  }\n}\n', ":4: unknown option 'bogus'"],
    ['bad ttl', 'clusterset.local {\n  multicluster {\n    ttl 9999\n  }\n}\n', ':3:'],
    ['duplicate key', 'clusterset.local {\n  bind 127.0.0.1\n}\nclusterset.local {\n  bind 127.0.0.1\n}\n', ':4:'],
    ['unclosed block', 'clusterset.local {\n  multicluster\n', ':1:'],
  ])('%s: prints FILE:LINE: message and exits 1 before binding', async (_n, text, where) => {
    const port = await freePort();
    const dir = writeFiles({ Corefile: text, 'o.yaml': '' });
    const r = await fails(['-conf', `${dir}/Corefile`, '-dns.port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir}/Corefile${where}`);
    // Nothing was bound: the port is still free.
    const s = dgram.createSocket('udp4');
    await new Promise<void>((res, rej) => {
      s.once('error', rej);
      s.bind(port, '127.0.0.1', () => res());
    });
    s.close();
  });

  it('rejects unknown flags with a usage message', async () => {
    const r = await fails(['-nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('flag provided but not defined: -nope');
  });

  it('serves the embedded default config on the port given by the Corefile key', async () => {
    const port = await freePort();
    const dir = writeFiles({
      Corefile: `clusterset.local:${port} {\n  bind 127.0.0.1\n  multicluster {\n    objects ${root}config/objects.yaml\n  }\n}\n`,
    });
    child = spawn(process.execPath, [bin, '-conf', `${dir}/Corefile`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    // Start-up under a loaded test run can take seconds: wait for the listeners (bounded).
    for (let i = 0; i < 400 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('listening');
    const r = await dig(port, ['service1.provider-ns.svc.clusterset.local']);
    expect(r.answer).toEqual(['service1.provider-ns.svc.clusterset.local. 5 IN A 10.96.120.15']);
    const pod = await dig(port, ['web-db-0.cluster-east.web-db.provider-ns.svc.clusterset.local']);
    expect(pod.answer).toEqual(['web-db-0.cluster-east.web-db.provider-ns.svc.clusterset.local. 5 IN A 10.245.0.21']);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child!.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  });
});
