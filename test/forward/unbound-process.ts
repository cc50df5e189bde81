// Starts a real `unbound` (Debian's package) on a free loopback port with local data only, for
// tests and the forward benchmark: a resolver we did not write, answering over UDP and TCP.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { freeUdpPort } from './plugin-harness.js';

export function unboundAvailable(): boolean {
  return spawnSync('unbound', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface UnboundOptions {
  /** `local-zone` lines' values, e.g. `"example.test." static`. */
  readonly localZones: readonly string[];
  /** `local-data` values (zone-file lines). */
  readonly localData: readonly string[];
}

export interface Unbound {
  readonly port: number;
  readonly address: string;
  stop(): Promise<void>;
}


const quote = (s: string): string => `"${s.replace(/"/g, '\\"')}"`;

function config(dir: string, port: number, opts: UnboundOptions): string {
  return [
    'server:',
    '  interface: 127.0.0.1',
    `  port: ${port}`,
    '  do-ip6: no',
    '  do-daemonize: no',
    '  chroot: ""',
    '  username: ""',
    `  directory: ${quote(dir)}`,
    `  pidfile: ${quote(join(dir, 'unbound.pid'))}`,
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  num-threads: 1',
    '  so-reuseport: no',
    '  access-control: 127.0.0.0/8 allow',
    // No network: everything outside the local zones is refused rather than resolved.
    '  local-zone: "." refuse',
    ...opts.localZones.map((z) => `  local-zone: ${z}`),
    ...opts.localData.map((d) => `  local-data: ${quote(d)}`),
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

async function answers(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      s.on('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      s.on('error', () => resolve(false));
      s.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: '.', type: 'NS', class: 'IN' }] }), port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

export async function startUnbound(opts: UnboundOptions): Promise<Unbound> {
  const dir = mkdtempSync(join(tmpdir(), 'unbound-'));
  const conf = join(dir, 'unbound.conf');
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort();
    writeFileSync(conf, config(dir, port, opts));
    const check = spawnSync('unbound-checkconf', [conf], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`unbound-checkconf: ${check.stdout}${check.stderr}`);
    const child: ChildProcess = spawn('unbound', ['-d', '-p', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    // Up to 5 s for it to answer.
    for (let i = 0; i < 50 && !exited; i++) {
      if (await answers(port)) {
        return {
          port,
          address: `127.0.0.1:${port}`,
          stop: () =>
            new Promise<void>((resolve) => {
              if (exited) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!exited) child.kill('SIGKILL');
  }
  throw new Error('unbound did not start');
}
