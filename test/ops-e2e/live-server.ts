// A real clusterset-dns process for the operations end-to-end tests: the built program
// (dist/src/cli/clusterset-dns.js) run on a Corefile in a temp dir, its pino JSON stdout kept as
// parsed lines, plus the small clients the tests need (HTTP probes, a UDP/TCP DNS client, one
// sample of a Prometheus exposition). Every wait is bounded; stop() always leaves no process behind.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { decode, encodeQuery, type Decoded } from '../support/dns-format.js';
import { writeFiles } from '../support/harness.js';
import { freePort } from '../support/ports.js';
import { httpGet, samples } from '../ops/ops-harness.js';

export { httpGet, samples };

const root = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${root}dist/src/cli/clusterset-dns.js`;
export const SAMPLE_OBJECTS = `${root}config/objects.yaml`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port free for both UDP and TCP on loopback (the DNS listeners take both): test/support/ports.ts. */
export { freePort };

export interface Ports {
  readonly dns: number;
  readonly health: number;
  readonly ready: number;
  readonly metrics: number;
}

/** Four distinct ports (freePort never hands out one twice in a run). */
export async function freePorts(): Promise<Ports> {
  return { dns: await freePort(), health: await freePort(), ready: await freePort(), metrics: await freePort() };
}

/** The Corefile the brief asks for: every operations plugin, the zone from an objects file. */
export function opsCorefile(ports: Ports, opts: { ttl?: number; lameduck?: string; extra?: string } = {}): string {
  const health = opts.lameduck === undefined ? `health 127.0.0.1:${ports.health}` : `health 127.0.0.1:${ports.health} {\n    lameduck ${opts.lameduck}\n  }`;
  return [
    `clusterset.local:${ports.dns} {`,
    `  ${health}`,
    `  ready 127.0.0.1:${ports.ready}`,
    `  prometheus 127.0.0.1:${ports.metrics}`,
    '  log',
    '  errors',
    '  reload 2s 1s',
    '  loadbalance',
    '  multicluster {',
    '    objects objects.yaml',
    `    ttl ${opts.ttl ?? 5}`,
    '  }',
    ...(opts.extra === undefined ? [] : [opts.extra]),
    '}',
    '',
  ].join('\n');
}

export type LogLine = Record<string, unknown> & { readonly msg?: string };

export class LiveServer {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #partial = '';

  private constructor(
    readonly dir: string,
    args: readonly string[],
    nodeArgs: readonly string[] = [],
  ) {
    this.#child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#exited = new Promise((r) => this.#child.once('exit', (code) => r(code)));
    this.#child.stdout!.on('data', (c: Buffer) => this.#onStdout(c.toString('utf8')));
    this.#child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
  }

  /**
   * Writes `files` (Corefile included) to a new temp dir, lets `prepare` add to it, and starts the
   * program on its Corefile; `nodeArgs` go to node before the program (e.g. `--import` a test hook).
   */
  static launch(files: Readonly<Record<string, string>>, prepare?: (dir: string) => void, nodeArgs: readonly string[] = []): LiveServer {
    const dir = writeFiles(files);
    prepare?.(dir);
    return new LiveServer(dir, ['-conf', join(dir, 'Corefile')], nodeArgs);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get exitCode(): number | null {
    return this.#child.exitCode;
  }

  #onStdout(text: string): void {
    const parts = (this.#partial + text).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const l of parts) {
      if (l.trim() === '') continue;
      try {
        this.lines.push(JSON.parse(l) as LogLine);
      } catch {
        this.lines.push({ msg: l, unparsed: true });
      }
    }
  }

  /** Resolves with the first log line (from `from` on) that matches; bounded by `maxMs`. */
  async waitForLog(match: (l: LogLine) => boolean, maxMs = 20_000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + maxMs;
    for (;;) {
      const hit = this.lines.slice(from).find(match);
      if (hit !== undefined) return hit;
      if (this.#child.exitCode !== null) throw new Error(`process exited (${this.#child.exitCode}) before the log line; stderr: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no matching log line in ${maxMs} ms; have: ${this.lines.map((l) => l.msg).join(' | ')}`);
      await sleep(20);
    }
  }

  /**
   * Waits until the DNS listeners are open and the signal handlers installed: the program logs
   * "running configuration" last before installing them, and a signal sent earlier would meet
   * Node's default action (exit by signal) instead of a graceful shutdown.
   */
  async listening(maxMs = 30_000): Promise<void> {
    await this.waitForLog((l) => l.msg === 'listening (udp+tcp)', maxMs);
    await this.waitForLog((l) => l.msg === 'running configuration', maxMs);
  }

  writeFile(name: string, text: string): void {
    writeFileSync(join(this.dir, name), text);
  }

  signal(sig: NodeJS.Signals): void {
    this.#child.kill(sig);
  }

  /** The exit code, or throws when the process is still running after `maxMs`. */
  async exited(maxMs = 10_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`process still running after ${maxMs} ms`)), maxMs);
    });
    try {
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process if it still runs (tests that did not end it themselves). Idempotent. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGKILL');
    await this.#exited;
  }
}

/** Like httpGet, but a refused connection is a result (status 0), not an error. */
export async function probe(port: number, path: string): Promise<{ status: number; body: string }> {
  try {
    return await httpGet(port, path);
  } catch (err) {
    return { status: 0, body: String((err as Error).cause ?? err) };
  }
}

let nextId = 1;

/** One query over UDP to `host`:port; null when no reply came within `timeoutMs`. */
export async function udpQuery(port: number, name: string, type: string, opts: { host?: string; timeoutMs?: number } = {}): Promise<Decoded | null> {
  const host = opts.host ?? '127.0.0.1';
  const id = (nextId = (nextId + 1) & 0xffff);
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    return await new Promise<Decoded | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), opts.timeoutMs ?? 2000);
      sock.on('message', (msg) => {
        if (msg.length < 2 || msg.readUInt16BE(0) !== id) return;
        clearTimeout(timer);
        resolve(decode(msg));
      });
      sock.on('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
      sock.send(encodeQuery(name, type, { id }), port, host);
    });
  } finally {
    sock.close();
  }
}

/** One query over a new TCP connection; null when the connection fails or no reply came in time. */
export async function tcpQuery(port: number, name: string, type: string, opts: { host?: string; timeoutMs?: number } = {}): Promise<Decoded | null> {
  const query = encodeQuery(name, type, { id: (nextId = (nextId + 1) & 0xffff) });
  const frame = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
  const sock = net.connect(port, opts.host ?? '127.0.0.1');
  try {
    return await new Promise<Decoded | null>((resolve) => {
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => resolve(null), opts.timeoutMs ?? 2000);
      sock.on('connect', () => sock.write(frame));
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          clearTimeout(timer);
          resolve(decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        }
      });
      sock.on('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(null);
      });
    });
  } finally {
    sock.destroy();
  }
}

/** The value of the one sample of `name` whose labels include `labels` (0 when there is none). */
export function valueOf(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const hits = samples(text, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return hits[0]?.value ?? 0;
}

/**
 * For tests that run a DnsServer in their own process: registers an afterEach that stops the
 * server and the operations HTTP sites the test started, and returns the function that records them.
 */
export function stopInProcessServersAfterEach(): (server: { stop(graceMs: number): Promise<void> }, stopHttp: () => Promise<void>) => void {
  let running: { server: { stop(graceMs: number): Promise<void> }; stopHttp: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const r of running) {
      await r.server.stop(100);
      await r.stopHttp();
    }
    running = [];
  });
  return (server, stopHttp) => {
    running.push({ server, stopHttp });
  };
}
