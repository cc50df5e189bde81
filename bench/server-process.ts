// The installed clusterset-dns bin as users start it (`node dist/src/cli/clusterset-dns.js -conf
// FILE`: the bin re-executes node with its own flags in the same process), watched for the
// benches that try to break it: did it exit, what errors did it log, how much memory does it hold.
// BENCH_NODE_ARGS="--flag ..." puts node flags before the bin, to try V8 settings.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stopChild } from './support.js';

export const BIN = fileURLToPath(new URL('../src/cli/clusterset-dns.js', import.meta.url));

export class ServerProcess {
  readonly child: ChildProcess;
  /** Log lines at error level or above (pino's 50+), and anything on stderr. */
  readonly errors: string[] = [];
  exit: { code: number | null; signal: string | null } | null = null;
  #partial = '';

  constructor(corefile: string, env: NodeJS.ProcessEnv = process.env) {
    const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(/\s+/).filter((a) => a !== '');
    this.child = spawn(process.execPath, [...nodeArgs, BIN, '-conf', corefile], { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child.stdout!.on('data', (d: Buffer) => {
      const text = this.#partial + d.toString('utf8');
      const lines = text.split('\n');
      this.#partial = lines.pop() ?? '';
      for (const l of lines) if (/"level":(5|6)\d/.test(l)) this.errors.push(l);
    });
    this.child.stderr!.on('data', (d: Buffer) => this.errors.push(d.toString('utf8').trim()));
    this.child.on('exit', (code, signal) => (this.exit = { code, signal }));
  }

  /** Whether it exited and what it said, for a bench that gives up on it. */
  describe(): string {
    return `${this.exit === null ? 'running' : `exited ${JSON.stringify(this.exit)}`}, ${this.errors.length} error log lines${this.errors.length > 0 ? `: ${this.errors.slice(0, 3).join(' | ')}` : ''}`;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Resident memory now, in MB (/proc/PID/status VmRSS). */
  rssMb(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m === null ? NaN : Math.round((Number(m[1]) / 1024) * 10) / 10;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
