// Shared pieces of the benchmarks: free ports, child processes pinned to a core, dnsperf runs
// and their parsed figures, waiting for a DNS server to answer.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export function hasCommand(cmd: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${cmd}`]).then(
    () => true,
    () => false,
  );
}

/** Starts `cmd args` pinned to `core` with taskset (when present). */
export function startPinned(core: number | null, cmd: string, args: readonly string[], useTaskset: boolean): ChildProcess {
  const argv = core !== null && useTaskset ? ['-c', String(core), cmd, ...args] : [...args];
  const child = spawn(core !== null && useTaskset ? 'taskset' : cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', () => undefined);
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise<void>((r) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      r();
    }, 3000);
    child.once('exit', () => {
      clearTimeout(t);
      r();
    });
  });
}

/** Resolves once `name` gets any reply on 127.0.0.1:port (bounded). */
export async function waitForDns(port: number, name: string, maxMs = 15_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < maxMs) {
    try {
      await run('dig', ['@127.0.0.1', '-p', String(port), '+time=1', '+tries=1', name], { timeout: 3000 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`no DNS answer on port ${port} after ${maxMs} ms`);
}

export interface PerfResult {
  readonly qps: number;
  readonly avgLatencyMs: number;
  readonly stdLatencyMs: number;
  readonly lost: number;
  readonly completed: number;
}

export async function dnsperf(opts: { port: number; file: string; core: number | null; useTaskset: boolean; clients?: number; outstanding?: number; /** Queries per second to send at most (-Q). */ rate?: number } & ({ seconds: number } | { /** Times through the file (-n), for a fixed count of queries. */ passes: number })): Promise<PerfResult> {
  const length = 'seconds' in opts ? ['-l', String(opts.seconds)] : ['-n', String(opts.passes)];
  const args = ['-s', '127.0.0.1', '-p', String(opts.port), '-d', opts.file, ...length, '-c', String(opts.clients ?? 4), '-q', String(opts.outstanding ?? 200)];
  if (opts.rate !== undefined) args.push('-Q', String(opts.rate));
  const [cmd, argv] = opts.core !== null && opts.useTaskset ? ['taskset', ['-c', String(opts.core), 'dnsperf', ...args]] : ['dnsperf', args];
  const timeoutMs = 'seconds' in opts ? (opts.seconds + 30) * 1000 : 30 * 60 * 1000;
  const { stdout } = await run(cmd, argv as string[], { timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 });
  const num = (re: RegExp): number => Number(re.exec(stdout)?.[1] ?? NaN);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    stdLatencyMs: num(/Latency StdDev \(s\):\s+([\d.]+)/) * 1000,
    lost: num(/Queries lost:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
  };
}

/** An unbound config for a benchmark: one thread on 127.0.0.1:port, no daemon, no validator, the
 * given local-zone and local-data lines only. */
export function unboundConf(dir: string, port: number, zones: readonly string[], data: readonly string[]): string {
  return [
    'server:',
    '  interface: 127.0.0.1',
    `  port: ${port}`,
    '  num-threads: 1',
    '  do-daemonize: no',
    '  chroot: ""',
    '  username: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${dir}/unbound.pid"`,
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  do-ip6: no',
    '  module-config: "iterator"',
    '  access-control: 127.0.0.0/8 allow',
    ...zones.map((z) => `  local-zone: ${z}`),
    ...data.map((d) => `  local-data: "${d}"`),
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

export const formatPerf = (r: PerfResult): string =>
  `${r.qps.toFixed(0).padStart(7)} qps  avg ${r.avgLatencyMs.toFixed(3)} ms  sd ${r.stdLatencyMs.toFixed(3)} ms  lost ${r.lost}`;

/** Clock ticks per second, the unit of /proc's CPU times. */
export function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** User and system CPU time a thread (a /proc/PID/task/TID/stat file) has used, in microseconds. */
export function threadTimes(path: string, ticksPerSecond: number): { userUs: number; systemUs: number } {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); `fields` starts at field 3.
  return { userUs: (Number(fields[11]) / ticksPerSecond) * 1e6, systemUs: (Number(fields[12]) / ticksPerSecond) * 1e6 };
}

/** The threads of a process with their names (/proc/PID/task/TID/comm); Node names workers "WorkerThread". */
export function threadsOf(pid: number): { tid: number; comm: string }[] {
  const out: { tid: number; comm: string }[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push({ tid: Number(t), comm: readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** The A records of `name` from 127.0.0.1:port over UDP ([] for NXDOMAIN/NODATA), null after 1 s without a reply. */
export function askA(sock: dgram.Socket, port: number, name: string): Promise<string[] | null> {
  return new Promise((done) => {
    const id = Math.floor(Math.random() * 65536);
    const timer = setTimeout(() => finish(null), 1000);
    const onMessage = (m: Buffer): void => {
      const p = dnsPacket.decode(m);
      if (p.id === id) finish((p.answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data: unknown }).data)));
    };
    const finish = (v: string[] | null): void => {
      clearTimeout(timer);
      sock.off('message', onMessage);
      done(v);
    };
    sock.on('message', onMessage);
    sock.send(dnsPacket.encode({ type: 'query', id, questions: [{ name, type: 'A' }] }), port, '127.0.0.1');
  });
}
