// The real clusterset-dns program (dist/, built by `npm test`) with forward, cache and loop in its
// Corefile, queried with dig: forwarded answers with RA, cache hits that never reach the upstream,
// the loop probe sent to our own port, a real forwarding loop caught without taking the process
// down, and forward/cache config errors reported as FILE:LINE before any socket is bound.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { dig } from '../support/dig.js';
import { FakeUpstream, answering, type SeenQuery } from '../support/fake-upstream.js';
import { writeFiles } from '../support/harness.js';
import { waitFor } from './forward-helpers.js';
import { freeUdpPort } from './plugin-harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = `${root}dist/src/cli/clusterset-dns.js`;

const children: ChildProcess[] = [];
const upstreams: FakeUpstream[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const u of upstreams.splice(0)) await u.stop();
});

function start(corefile: string): { child: ChildProcess; output: () => string } {
  const dir = writeFiles({ Corefile: corefile });
  const child = spawn(process.execPath, [bin, '-conf', `${dir}/Corefile`], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/**
 * Waits until the program has opened its listeners: it logs "running configuration" after them.
 * Read from its log, not by polling with dig: start-up under a loaded test run takes seconds, and
 * a fixed number of dig attempts ran out before it (issue 13). Bounded; a process that exits
 * fails at once with what it said.
 */
async function untilAnswering(p: { child: ChildProcess; output: () => string }): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!p.output().includes('"msg":"running configuration"')) {
    if (p.child.exitCode !== null) throw new Error(`clusterset-dns exited (${p.child.exitCode}): ${p.output()}`);
    if (Date.now() > deadline) throw new Error(`clusterset-dns did not start within 30 s: ${p.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const isProbe = (q: SeenQuery): boolean => q.type === 13;

describe('clusterset-dns with forward, cache and loop', () => {
  it('forwards, caches, and sends its loop probe to itself', async () => {
    const up = await FakeUpstream.start(answering((q) => (isProbe(q) ? { rcode: 3 } : { answers: [{ type: 'A', name: q.name, ttl: 300, data: '192.0.2.77' }], flags: 0x80 })));
    upstreams.push(up);
    const port = await freeUdpPort();
    await untilAnswering(start(`.:${port} {\n  bind 127.0.0.1\n  cache 30\n  loop\n  forward . ${up.address}\n}\n`));
    const first = await dig(port, ['www.example.org', 'A']);
    expect(first.status).toBe('NOERROR');
    expect(first.flags).toContain('ra');
    expect(first.answer).toEqual(['www.example.org. 30 IN A 192.0.2.77']);
    const second = await dig(port, ['WWW.example.org', 'A']);
    expect(second.answer).toHaveLength(1);
    // The fake upstream does not compress, so the stored owner keeps the first asker's case. The
    // TTL counts down by the second, and a loaded machine may take seconds between the two digs.
    expect(second.answer[0]).toMatch(/^www\.example\.org\. (1\d|2\d|30) IN A 192\.0\.2\.77$/i);
    expect(second.raw).toContain(';WWW.example.org.');
    expect(up.queries.filter((q) => q.name.toLowerCase() === 'www.example.org.')).toHaveLength(1);
    // The loop plugin's HINFO probe went out through forward: our own port received it.
    await waitFor(() => up.queries.some(isProbe), 20_000);
  });

  it('catches a forwarding loop, logs it, and keeps answering (SERVFAIL) instead of melting down', async () => {
    const port = await freeUdpPort();
    const { child, output } = start(`.:${port} {\n  bind 127.0.0.1\n  loop\n  forward . 127.0.0.1:${port} {\n    max_fails 0\n  }\n}\n`);
    await waitFor(() => output().includes('detected for zone'), 10_000);
    expect(output()).toMatch(new RegExp(`Loop \\(127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${port}\\) detected for zone \\\\?"\\.\\\\?"`));
    const r = await dig(port, ['www.example.org', 'A']);
    expect(r.status).toBe('SERVFAIL');
    expect(child.exitCode).toBeNull();
  });

  it.each([
    ['forward . not_a_name!', ":3: 'forward': not an IP address, file, or valid domain: 'not_a_name!'"],
    // A hostname upstream that does not resolve (nothing answers on port 1) stops the start.
    ['forward . nowhere.example.test {\n    resolver 127.0.0.1:1\n  }', ":3: 'forward': failed to resolve 'nowhere.example.test'"],
    ['forward . 127.0.0.1 {\n    policy fastest\n  }', ":4: 'policy': unknown policy 'fastest'"],
    ['cache {\n    prefetch 2 1m 99%\n  }', ':4:'],
    ['loop 1', ':3:'],
  ])('%s: FILE:LINE error, exit 1', async (directive, where) => {
    const port = await freeUdpPort();
    const dir = writeFiles({ Corefile: `.:${port} {\n  bind 127.0.0.1\n  ${directive}\n}\n` });
    let code = 0;
    let stderr = '';
    try {
      await promisify(execFile)(process.execPath, [bin, '-conf', `${dir}/Corefile`], { timeout: 10_000 });
    } catch (e) {
      ({ code, stderr } = e as { code: number; stderr: string });
    }
    expect(code).toBe(1);
    expect(stderr).toContain(`${dir}/Corefile${where}`);
  });
});
