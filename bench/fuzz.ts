// BENCH=fuzz: the installed clusterset-dns (zone, cache and forward blocks, on loopback) against
// hostile clients, then left idle:
//   1. BENCH_FUZZ_DATAGRAMS (1,000,000) mutated datagrams (test/support/fuzz-packets.ts: bit flips,
//      cuts, lying counts, compression loops, label lies, other opcodes, responses, many
//      questions, OPT corruption) of a seed corpus of real queries, every reply checked against
//      the wire rules with an independent decoder (test/support/reply-rules.ts);
//   2. BENCH_FUZZ_STREAMS (3,000) hostile TCP streams (lying lengths, zero-length frames, garbage
//      and mutated frames pipelined, half frames left hanging, a query a byte at a time, resets),
//      replies checked the same way;
//   then BENCH_FUZZ_IDLE_S (30) seconds idle; and on a fresh server (the two are different loads
//   that a pod meets apart, each measured from its own start)
//   3. BENCH_FUZZ_CYCLES (100,000) TCP connect/close cycles, then idle again.
// All along, real queries (zone, headless, NXDOMAIN, forwarded; UDP and TCP) are asked every
// 100 ms and their answers checked. Reports crashes, error log lines, malformed replies, lost
// replies (no reply within 2 s where the rules want one: on loopback UDP, the kernel's socket
// buffers under load), the answer checks, and RSS at the start, after each phase and while idle.
// BENCH_NODE_ARGS tries other node flags on the server (bench/server-process.ts).
// BENCH_FUZZ_SEED fixes the mutations (default: a fresh seed, printed).

import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { mutate, randomMutations, seedCorpus, type Seed } from '../test/support/fuzz-packets.js';
import { replyViolations } from '../test/support/reply-rules.js';
import { RawUpstream, upstreamAddress } from './raw-upstream.js';
import { ServerProcess } from './server-process.js';
import { freePort, waitForDns } from './support.js';

const ROOT = resolve(fileURLToPath(import.meta.url), import.meta.url.endsWith('.ts') ? '../..' : '../../..');
const env = (name: string, def: number): number => Number(process.env[name] ?? def);

/** mulberry32: the mutations of a run follow from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tally {
  sent: number;
  replies: number;
  /** Replies that break a rule, with the first few examples. */
  malformed: number;
  examples: string[];
  /** A reply was due and none came within 2 s. */
  lost: number;
  lostExamples: string[];
  /** Replies matching nothing sent (late, or to a packet that should have been dropped). */
  stray: number;
}

const newTally = (): Tally => ({ sent: 0, replies: 0, malformed: 0, examples: [], lost: 0, lostExamples: [], stray: 0 });

function note(t: Tally, query: Uint8Array, proto: 'udp' | 'tcp', reply: Uint8Array | null): void {
  const v = replyViolations(query, proto, reply);
  if (v.length === 0) return;
  if (reply === null) {
    t.lost++;
    if (t.lostExamples.length < 5) t.lostExamples.push(Buffer.from(query).toString('hex').slice(0, 120));
    return;
  }
  t.malformed++;
  if (t.examples.length < 5) t.examples.push(`${v.join('; ')} (query ${Buffer.from(query).toString('hex').slice(0, 80)})`);
}

/** Mutated datagrams from several sockets, a bounded window each, IDs numbered so replies match. */
async function datagrams(port: number, count: number, seeds: readonly Seed[], random: () => number): Promise<Tally> {
  const t = newTally();
  // Few enough in flight that the kernel's socket buffers (rmem_max) hold them: a loss is then the
  // server's, not the loopback's.
  const SOCKETS = 4;
  const WINDOW = 32;
  const socks = await Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      s.setRecvBufferSize(4 << 20);
      return { s, pending: new Map<number, { packet: Buffer; at: number }>(), nextId: 0 };
    }),
  );
  for (const k of socks) {
    k.s.on('message', (m) => {
      t.replies++;
      const p = m.length >= 2 ? k.pending.get(m.readUInt16BE(0)) : undefined;
      if (p === undefined) {
        t.stray++;
        return;
      }
      k.pending.delete(m.readUInt16BE(0));
      note(t, p.packet, 'udp', m);
    });
  }
  const expire = (now: number): void => {
    for (const k of socks) {
      for (const [id, p] of k.pending) {
        if (now - p.at < 2000) break; // in send order: the rest are younger
        k.pending.delete(id);
        note(t, p.packet, 'udp', null);
      }
    }
  };
  while (t.sent < count) {
    for (const k of socks) {
      while (k.pending.size < WINDOW && t.sent < count) {
        const packet = mutate(seeds[Math.floor(random() * seeds.length)]!, randomMutations(random));
        const id = k.nextId;
        k.nextId = (k.nextId + 1) & 0xffff;
        if (packet.length >= 2) packet.writeUInt16BE(id, 0);
        t.sent++;
        k.s.send(packet, port, '127.0.0.1');
        // A packet that gets no reply by the rules is not waited for.
        if (packet.length >= 12 && (packet[2]! & 0x80) === 0) k.pending.set(id, { packet, at: Date.now() });
      }
    }
    await new Promise((r) => setTimeout(r, 1));
    expire(Date.now());
  }
  while (socks.some((k) => k.pending.size > 0)) {
    await new Promise((r) => setTimeout(r, 50));
    expire(Date.now());
  }
  for (const k of socks) k.s.close();
  return t;
}

function frame(msg: Uint8Array): Buffer {
  const f = Buffer.alloc(2 + msg.length);
  f.writeUInt16BE(msg.length & 0xffff, 0);
  f.set(msg.subarray(0, 0xffff), 2);
  return f;
}

/** One hostile TCP stream of kind `i % 8`; replies to whole frames are checked. */
function stream(port: number, i: number, seeds: readonly Seed[], random: () => number, t: Tally): Promise<void> {
  const kind = i % 8;
  const q = (): Buffer => mutate(seeds[Math.floor(random() * seeds.length)]!, randomMutations(random));
  const real = Buffer.from(seeds[Math.floor(random() * seeds.length)]!.bytes);
  return new Promise((done) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const pending = new Map<number, Buffer>();
    let buf = Buffer.alloc(0);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      for (const p of pending.values()) note(t, p, 'tcp', null);
      s.destroy();
      done();
    };
    const timer = setTimeout(finish, 3000);
    const ask = (packets: Buffer[]): Buffer => {
      let closing = false;
      for (const [n, p] of packets.entries()) {
        if (p.length >= 2) p.writeUInt16BE(n, 0);
        t.sent++;
        // A zero-length frame closes the connection: nothing after it is answered.
        closing ||= p.length === 0;
        if (!closing && p.length >= 12 && (p[2]! & 0x80) === 0) pending.set(n, p);
      }
      return Buffer.concat(packets.map(frame));
    };
    s.on('error', finish);
    s.on('close', finish);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + m.length);
        t.replies++;
        const p = m.length >= 2 ? pending.get(m.readUInt16BE(0)) : undefined;
        if (p === undefined) {
          t.stray++;
          continue;
        }
        pending.delete(m.readUInt16BE(0));
        note(t, p, 'tcp', m);
      }
      if (pending.size === 0 && (kind === 2 || kind === 3 || kind === 5)) finish();
    });
    s.on('connect', () => {
      switch (kind) {
        case 0: // a length that lies: far more announced than sent
          s.write(Buffer.concat([Buffer.from([0xff, 0xff]), q()]));
          setTimeout(finish, 50);
          break;
        case 1: // a zero-length frame: the server closes
          s.write(Buffer.from([0, 0]));
          break;
        case 2: // garbage frames, pipelined
          s.write(ask(Array.from({ length: 1 + Math.floor(random() * 8) }, () => Buffer.from(Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256))))));
          break;
        case 3: // mutated real queries, pipelined
          s.write(ask(Array.from({ length: 1 + Math.floor(random() * 20) }, q)));
          break;
        case 4: // half a frame, left hanging
          s.write(frame(real).subarray(0, 1 + Math.floor(random() * real.length)));
          setTimeout(finish, 100);
          break;
        case 5: {
          // a real query a byte at a time
          const bytes = ask([real]);
          let at = 0;
          const drip = setInterval(() => {
            if (finished || at >= bytes.length) return clearInterval(drip);
            s.write(bytes.subarray(at, ++at));
          }, 2);
          break;
        }
        case 6: // a query, then a reset at once
          s.write(frame(q()));
          s.resetAndDestroy();
          break;
        default: // frames, then the write side closed
          s.end(ask(Array.from({ length: 1 + Math.floor(random() * 5) }, q)));
      }
    });
  });
}

async function streams(port: number, count: number, seeds: readonly Seed[], random: () => number): Promise<Tally> {
  const t = newTally();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await stream(port, next++, seeds, random, t);
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  return t;
}

async function cycles(port: number, count: number): Promise<{ done: number; errors: number }> {
  let next = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (next++ < count) {
      await new Promise<void>((r) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => s.destroy());
        s.on('error', () => {
          errors++;
          r();
        });
        s.on('close', () => r());
      });
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  return { done: count, errors };
}

/** Real queries every 100 ms (UDP, and one over TCP every second), their answers checked. */
class AnswerChecks {
  ok = 0;
  wrong: string[] = [];
  lost = 0;
  #timer: NodeJS.Timeout | null = null;
  readonly #sock = dgram.createSocket('udp4');
  readonly #waiting = new Map<number, (reply: Buffer) => void>();
  #tick = 0;

  constructor(private readonly port: number) {
    this.#sock.on('message', (m: Buffer) => this.#waiting.get(m.readUInt16BE(0))?.(m));
  }

  static readonly CASES: readonly { name: string; type: 'A'; want: string }[] = [
    { name: 'web.apps.svc.clusterset.local', type: 'A', want: 'NOERROR 10.96.0.10' },
    { name: 'db.apps.svc.clusterset.local', type: 'A', want: 'NOERROR 10.1.0.1,10.2.0.1' },
    { name: 'nope.apps.svc.clusterset.local', type: 'A', want: 'NXDOMAIN ' },
    { name: 'check.example.org', type: 'A', want: `NOERROR ${upstreamAddress('check.example.org.')}` },
  ];

  async start(): Promise<void> {
    await new Promise<void>((r) => this.#sock.bind(0, '127.0.0.1', () => r()));
    this.#timer = setInterval(() => void this.#round(), 100);
  }

  async #round(): Promise<void> {
    const tcp = this.#tick++ % 10 === 0;
    await Promise.all(AnswerChecks.CASES.map((c) => this.#ask(c, tcp)));
  }

  #verdict(c: (typeof AnswerChecks.CASES)[number], reply: Buffer | null): void {
    if (reply === null) {
      this.lost++;
      return;
    }
    const d = dnsPacket.decode(reply) as dnsPacket.Packet & { rcode?: string };
    const got = `${d.rcode ?? '?'} ${(d.answers ?? []).map((a) => String((a as { data?: unknown }).data)).sort().join(',')}`;
    if (got === c.want) this.ok++;
    else if (this.wrong.length < 20) this.wrong.push(`${c.name}: ${got}`);
  }

  #ask(c: (typeof AnswerChecks.CASES)[number], tcp: boolean): Promise<void> {
    const id = Math.floor(Math.random() * 65536);
    const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: c.name, type: c.type }] });
    return new Promise((done) => {
      let settled = false;
      const settle = (reply: Buffer | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!tcp) this.#waiting.delete(id);
        this.#verdict(c, reply);
        done();
      };
      const timer = setTimeout(() => settle(null), 2000);
      if (!tcp) {
        this.#waiting.set(id, settle);
        this.#sock.send(query, this.port, '127.0.0.1');
        return;
      }
      const s = net.connect({ host: '127.0.0.1', port: this.port, localAddress: '127.0.0.9' }, () => s.write(frame(query)));
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          settle(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          s.destroy();
        }
      });
      s.on('error', () => settle(null));
    });
  }

  stop(): void {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    this.#sock.close();
  }
}

const fmtTally = (name: string, t: Tally): string =>
  `${name}: ${t.sent} sent, ${t.replies} replies, malformed ${t.malformed}, lost ${t.lost}, stray ${t.stray}` +
  (t.examples.length > 0 ? `\n    e.g. ${t.examples.join('\n    e.g. ')}` : '') +
  (t.lostExamples.length > 0 ? `\n    lost e.g. ${t.lostExamples.join('\n    lost e.g. ')}` : '');

/**
 * One scenario on a fresh server (as each would meet a fresh pod): start it, check answers all
 * along, run `body`, then leave it idle; RSS is read at its start, after each step of `body` and
 * every 5 s while idle.
 */
async function scenario(title: string, corefile: string, idleS: number, body: (port: number, rss: (label: string) => void) => Promise<void>, port: number): Promise<void> {
  const server = new ServerProcess(corefile);
  const checks = new AnswerChecks(port);
  try {
    await waitForDns(port, 'web.apps.svc.clusterset.local').catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; server ${server.describe()}`);
    });
    await checks.start();
    await new Promise((r) => setTimeout(r, 2000)); // started and answered a few rounds
    const start = server.rssMb();
    const rss: [string, number][] = [['start', start]];
    console.log(`${title}:`);
    await body(port, (label) => rss.push([label, server.rssMb()]));
    checks.stop();
    const idle: number[] = [];
    for (let s = 0; s < idleS; s += 5) {
      await new Promise((r) => setTimeout(r, 5000));
      idle.push(server.rssMb());
    }
    console.log(`  answer checks during the run: ${checks.ok} right, ${checks.wrong.length} wrong, ${checks.lost} lost${checks.wrong.length > 0 ? `: ${checks.wrong.slice(0, 5).join('; ')}` : ''}`);
    console.log(`  RSS (MB): ${rss.map(([k, v]) => `${k} ${v}`).join(', ')}; then idle, every 5 s: ${idle.join(' ')}`);
    const peak = Math.max(...rss.map(([, v]) => v));
    const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
    console.log(`  over the start: at most ${signed(peak - start)} MB under load, ${signed((idle.at(-1) ?? NaN) - start)} MB after ${idleS} s idle`);
    console.log(`  server: ${server.describe()}`);
  } finally {
    checks.stop();
    await server.stop();
  }
}

export async function main(): Promise<void> {
  const nDatagrams = env('BENCH_FUZZ_DATAGRAMS', 1_000_000);
  const nStreams = env('BENCH_FUZZ_STREAMS', 3000);
  const nCycles = env('BENCH_FUZZ_CYCLES', 100_000);
  const idleS = env('BENCH_FUZZ_IDLE_S', 30);
  const seed = env('BENCH_FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
  const random = prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'bench-fuzz-'));
  const upstream = new RawUpstream();
  await upstream.start();
  const port = await freePort();
  writeFileSync(join(dir, 'objects.yaml'), readFileSync(join(ROOT, 'test/fixtures/behaviour.yaml')));
  const corefile = join(dir, 'Corefile');
  writeFileSync(
    corefile,
    [
      `clusterset.local:${port} in-addr.arpa:${port} {`,
      '  bind 127.0.0.1',
      '  cache 30',
      '  multicluster clusterset.local in-addr.arpa {',
      '    objects objects.yaml',
      '  }',
      '}',
      `.:${port} {`,
      '  bind 127.0.0.1',
      '  cache 30',
      `  forward . ${upstream.address}`,
      '}',
      '',
    ].join('\n'),
  );
  try {
    console.log(`BENCH=fuzz: seed ${seed}; ${nDatagrams} datagrams and ${nStreams} TCP streams, then ${nCycles} connect/close cycles on a fresh server; ${idleS} s idle after each; node ${process.version}${process.env['BENCH_NODE_ARGS'] ? `; server node args ${process.env['BENCH_NODE_ARGS']}` : ''}`);
    const seeds = seedCorpus();
    await scenario(`${nDatagrams} mutated datagrams, then ${nStreams} hostile TCP streams`, corefile, idleS, async (p, rss) => {
      const began = Date.now();
      const udp = await datagrams(p, nDatagrams, seeds, random);
      rss('after datagrams');
      console.log(`  ${fmtTally('datagrams', udp)}  (${Math.round(nDatagrams / ((Date.now() - began) / 1000))}/s)`);
      const tcp = await streams(p, nStreams, seeds, random);
      rss('after TCP streams');
      console.log(`  ${fmtTally('TCP streams', tcp)}`);
    }, port);
    await scenario(`${nCycles} TCP connect/close cycles`, corefile, idleS, async (p, rss) => {
      const cyc = await cycles(p, nCycles);
      rss('after the cycles');
      console.log(`  connect/close cycles: ${cyc.done}, client-side errors ${cyc.errors}`);
    }, port);
  } finally {
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
