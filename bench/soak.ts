// BENCH=soak: the installed clusterset-dns for BENCH_SOAK_SECONDS (600) at BENCH_SOAK_QPS (1500)
// queries a second of every kind (a ClusterSetIP import that changes every 2 s, stable
// ClusterSetIP imports, a headless import, SRV, NXDOMAIN, forwarded names; UDP, one in twenty over
// TCP), reading a test Kubernetes API server, while every BENCH_SOAK_FAULT_EVERY_S (60) seconds
// the API server goes down for 10 s and comes back, its watch history expires (410), and the
// upstream restarts. Every reply is checked:
//   - lost: no reply within 6 s (past forward's 5 s budget, so a failing upstream shows as SERVFAIL);
//   - NXDOMAIN for a name that exists (never acceptable, outage or not);
//   - wrong: an answer other than the expected one; for the changing import, an IP older than the
//     change before last at the time the query was sent. Answers in a fault's window (an API
//     outage and the 5 s after it, the 5 s after a 410, an upstream restart and the 5 s after it)
//     are counted apart, as is SERVFAIL there;
//   - RSS every 30 s.
// The zone block has no cache (an answer cached for its TTL would lag the changes by design); the
// forward block has one.

import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../test/fake-apiserver/index.js';
import { RawUpstream, upstreamAddress } from './raw-upstream.js';
import { ServerProcess } from './server-process.js';
import { freePort, waitForDns } from './support.js';

const MCS = 'multicluster.x-k8s.io/v1beta1';
const NS = 'soak';
const Z = 'clusterset.local';
const STABLE = 20;
const FORWARDED = 50;
const env = (name: string, def: number): number => Number(process.env[name] ?? def);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const changingIp = (k: number): string => `10.200.${(k >> 8) & 0xff}.${k & 0xff}`;
const stableIp = (i: number): string => `10.100.0.${i + 1}`;
const HEADLESS_IPS = ['10.50.0.1', '10.50.0.2', '10.50.1.1'];

function importObject(name: string, type: 'ClusterSetIP' | 'Headless', ips: string[]): KubeObject {
  return { apiVersion: MCS, kind: 'ServiceImport', metadata: { name, namespace: NS }, spec: { type, ips, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as KubeObject;
}

function seed(api: FakeApiServer): void {
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  api.create(importObject('changing', 'ClusterSetIP', [changingIp(0)]));
  for (let i = 0; i < STABLE; i++) api.create(importObject(`stable-${i}`, 'ClusterSetIP', [stableIp(i)]));
  api.create(importObject('headless', 'Headless', []));
  for (const [c, ips] of [['east', HEADLESS_IPS.slice(0, 2)], ['west', HEADLESS_IPS.slice(2)]] as const) {
    api.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `headless-${c}`, namespace: NS, labels: { 'multicluster.kubernetes.io/service-name': 'headless', 'multicluster.kubernetes.io/source-cluster': c } },
      addressType: 'IPv4',
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    } as KubeObject);
  }
}

type Kind = 'changing' | 'stable' | 'headless' | 'srv' | 'nxdomain' | 'forwarded';
interface Ask {
  readonly kind: Kind;
  readonly name: string;
  readonly type: 'A' | 'SRV';
  readonly expected: string | null;
}

/** The query mix, a cycle of twenty. */
function mix(n: number): Ask {
  const i = n % 20;
  const j = Math.floor(n / 20);
  if (i < 6) return { kind: 'changing', name: `changing.${NS}.svc.${Z}`, type: 'A', expected: null };
  if (i < 10) return { kind: 'stable', name: `stable-${j % STABLE}.${NS}.svc.${Z}`, type: 'A', expected: stableIp(j % STABLE) };
  if (i < 12) return { kind: 'headless', name: `headless.${NS}.svc.${Z}`, type: 'A', expected: [...HEADLESS_IPS].sort().join(',') };
  if (i < 13) return { kind: 'srv', name: `_http._tcp.stable-${j % STABLE}.${NS}.svc.${Z}`, type: 'SRV', expected: `0 100 80 stable-${j % STABLE}.${NS}.svc.${Z}` };
  if (i < 15) return { kind: 'nxdomain', name: `missing-${j % 100}.${NS}.svc.${Z}`, type: 'A', expected: null };
  const name = `fwd-${j % FORWARDED}.example.org`;
  return { kind: 'forwarded', name, type: 'A', expected: upstreamAddress(`${name}.`) };
}

/** What happened, and when: the changes made to the import and the fault windows. */
class Timeline {
  readonly changes: { k: number; at: number }[] = [{ k: 0, at: 0 }];
  readonly windows: { readonly kind: 'api' | 'upstream'; readonly from: number; to: number }[] = [];
  /** Each API outage's end, and how long after it the changing import was first served current. */
  readonly recoveries: { readonly end: number; after: number | null }[] = [];

  /** A reply sent at `t` served the change in force then: it ends the recovery of an outage before `t`. */
  servedCurrent(t: number): void {
    for (const r of this.recoveries) if (r.after === null && t >= r.end) r.after = t - r.end;
  }

  /** The last change made at or before `t`. */
  changeAt(t: number): number {
    for (let i = this.changes.length - 1; i >= 0; i--) if (this.changes[i]!.at <= t) return this.changes[i]!.k;
    return 0;
  }

  /** How long before `t` the IP of change `k` was replaced (0 if it was not yet). */
  staleFor(k: number, t: number): number {
    const next = this.changes.find((c) => c.k === k + 1);
    return next === undefined || next.at > t ? 0 : t - next.at;
  }

  inWindow(kind: 'api' | 'upstream', t: number): boolean {
    return this.windows.some((w) => w.kind === kind && t >= w.from && t <= w.to);
  }
}

interface Counts {
  sent: number;
  answered: number;
  lost: number;
  nxdomainForExisting: number;
  wrong: number;
  wrongExamples: string[];
  inWindow: number;
  servfail: number;
  servfailInWindow: number;
  byKind: Record<string, number>;
  /** Outside fault windows: how long the changing import's answer had been superseded, ms. */
  staleness: number[];
}

function judge(c: Counts, tl: Timeline, ask: Ask, sentAt: number, reply: Buffer | null): void {
  if (reply === null) {
    c.lost++;
    return;
  }
  c.answered++;
  c.byKind[ask.kind] = (c.byKind[ask.kind] ?? 0) + 1;
  const d = dnsPacket.decode(reply) as dnsPacket.Packet & { rcode?: string };
  const data = (d.answers ?? []).filter((a) => a.type === ask.type).map((a) => {
    const v = (a as { data?: unknown }).data;
    return ask.type === 'SRV' ? (({ priority, weight, port, target }: { priority: number; weight: number; port: number; target: string }) => `${priority} ${weight} ${port} ${target}`)(v as never) : String(v);
  });
  const window = ask.kind === 'forwarded' ? tl.inWindow('upstream', sentAt) : tl.inWindow('api', sentAt);
  const rcode = d.rcode ?? '?';
  if (ask.kind === 'nxdomain') {
    if (rcode !== 'NXDOMAIN') note(c, window, `${ask.name}: ${rcode}`);
    return;
  }
  if (rcode === 'NXDOMAIN') {
    c.nxdomainForExisting++;
    if (c.wrongExamples.length < 10) c.wrongExamples.push(`NXDOMAIN for ${ask.name} at ${sentAt} ms`);
    return;
  }
  if (rcode === 'SERVFAIL') {
    if (window) c.servfailInWindow++;
    else c.servfail++;
    return;
  }
  const got = data.sort().join(',');
  if (ask.kind === 'changing') {
    const k = tl.changeAt(sentAt);
    const m = /^10\.200\.(\d+)\.(\d+)$/.exec(got);
    if (m !== null && !window) c.staleness.push(tl.staleFor(Number(m[1]) * 256 + Number(m[2]), sentAt));
    // The current IP, the one before (the change before last), or one made while the query flew.
    if (got === changingIp(k) || got === changingIp(k + 1)) tl.servedCurrent(sentAt);
    const ok = [k - 1, k, k + 1].some((x) => x >= 0 && got === changingIp(x));
    if (!ok) note(c, window, `${ask.name}: ${got} while the change ${k} (${changingIp(k)}) was in force`);
    return;
  }
  if (got !== ask.expected) note(c, window, `${ask.name}: ${rcode} ${got}, expected ${ask.expected}`);
}

function note(c: Counts, window: boolean, what: string): void {
  if (window) {
    c.inWindow++;
    return;
  }
  c.wrong++;
  if (c.wrongExamples.length < 10) c.wrongExamples.push(what);
}

/** A steady query load over UDP (4 sockets) and one TCP connection, each reply judged. */
class Load {
  readonly counts: Counts = { sent: 0, answered: 0, lost: 0, nxdomainForExisting: 0, wrong: 0, wrongExamples: [], inWindow: 0, servfail: 0, servfailInWindow: 0, byKind: {}, staleness: [] };
  readonly #pending = new Map<string, { ask: Ask; at: number; query: Buffer }>();
  readonly #socks: dgram.Socket[] = [];
  #tcp: net.Socket | null = null;
  #tcpBuf = Buffer.alloc(0);
  #n = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly port: number,
    private readonly qps: number,
    private readonly tl: Timeline,
    private readonly t0: number,
  ) {}

  async start(): Promise<void> {
    for (let i = 0; i < 4; i++) {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      s.on('message', (m) => this.#reply(`u${i}:${m.readUInt16BE(0)}`, m));
      this.#socks.push(s);
    }
    // Every 20 ms, the queries due since the start (a steady rate without drift).
    const began = Date.now();
    this.#timer = setInterval(() => {
      const due = Math.floor(((Date.now() - began) / 1000) * this.qps);
      while (this.#n < due) this.#send();
      this.#expire();
    }, 20);
  }

  #send(): void {
    const n = this.#n++;
    const ask = mix(n);
    const id = n & 0xffff;
    const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: ask.name, type: ask.type }] });
    const now = Date.now() - this.t0;
    this.counts.sent++;
    if (n % 20 === 7) {
      const s = this.#tcpSocket();
      const key = `t:${id}`;
      this.#pending.set(key, { ask, at: now, query });
      const f = Buffer.alloc(2 + query.length);
      f.writeUInt16BE(query.length, 0);
      query.copy(f, 2);
      s.write(f);
      return;
    }
    const sock = n % 4;
    this.#pending.set(`u${sock}:${id}`, { ask, at: now, query });
    this.#socks[sock]!.send(query, this.port, '127.0.0.1');
  }

  #tcpSocket(): net.Socket {
    if (this.#tcp !== null && !this.#tcp.destroyed) return this.#tcp;
    const s = net.connect({ host: '127.0.0.1', port: this.port });
    this.#tcpBuf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      this.#tcpBuf = Buffer.concat([this.#tcpBuf, d]);
      while (this.#tcpBuf.length >= 2 && this.#tcpBuf.length >= 2 + this.#tcpBuf.readUInt16BE(0)) {
        const m = this.#tcpBuf.subarray(2, 2 + this.#tcpBuf.readUInt16BE(0));
        this.#tcpBuf = this.#tcpBuf.subarray(2 + m.length);
        this.#reply(`t:${m.readUInt16BE(0)}`, Buffer.from(m));
      }
    });
    s.on('error', () => s.destroy());
    this.#tcp = s;
    return s;
  }

  #reply(key: string, m: Buffer): void {
    const p = this.#pending.get(key);
    if (p === undefined) return;
    this.#pending.delete(key);
    judge(this.counts, this.tl, p.ask, p.at, m);
  }

  #expire(): void {
    const now = Date.now() - this.t0;
    for (const [key, p] of this.#pending) {
      if (now - p.at < 6000) break; // insertion order: the rest are younger
      this.#pending.delete(key);
      judge(this.counts, this.tl, p.ask, p.at, null);
    }
  }

  async stop(): Promise<void> {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    while (this.#pending.size > 0) {
      await sleep(200);
      this.#expire();
    }
    for (const s of this.#socks) s.close();
    this.#tcp?.destroy();
  }
}

export async function main(): Promise<void> {
  const seconds = env('BENCH_SOAK_SECONDS', 600);
  const qps = env('BENCH_SOAK_QPS', 1500);
  const faultEvery = env('BENCH_SOAK_FAULT_EVERY_S', 60) * 1000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
  const api = await startFakeApiServer({ namespaces: ['default'], multiclusterVersions: ['v1alpha1', 'v1beta1'], bookmarkIntervalMs: 5000 });
  seed(api);
  const upstream = new RawUpstream();
  await upstream.start();
  const port = await freePort();
  writeFileSync(
    join(dir, 'Corefile'),
    `clusterset.local:${port} {\n  bind 127.0.0.1\n  multicluster {\n    kubeconfig ${api.writeKubeconfig(dir, 'soak')}\n  }\n}\n` +
      `.:${port} {\n  bind 127.0.0.1\n  cache 30\n  forward . ${upstream.address}\n}\n`,
  );
  const server = new ServerProcess(join(dir, 'Corefile'));
  const tl = new Timeline();
  let changer: NodeJS.Timeout | null = null;
  let load: Load | null = null;
  try {
    await waitForDns(port, `stable-0.${NS}.svc.${Z}`).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; server ${server.describe()}`);
    });
    console.log(`BENCH=soak: ${seconds} s at ${qps} qps, faults every ${faultEvery / 1000} s (API down 10 s, 410, upstream restart); node ${process.version}`);
    const t0 = Date.now();
    const now = (): number => Date.now() - t0;
    let k = 0;
    changer = setInterval(() => {
      k++;
      api.patch(MCS, 'ServiceImport', NS, 'changing', { spec: { ips: [changingIp(k)] } });
      tl.changes.push({ k, at: now() });
    }, 2000);
    load = new Load(port, qps, tl, t0);
    await load.start();
    const rss: string[] = [`0s ${server.rssMb()}`];
    let nextRss = 30_000;
    const faults: string[] = [];
    for (let cycle = 0; now() < seconds * 1000; cycle++) {
      const base = cycle * faultEvery;
      const at = async (offset: number): Promise<boolean> => {
        while (now() < base + offset) {
          if (now() >= nextRss) {
            rss.push(`${Math.round(nextRss / 1000)}s ${server.rssMb()}`);
            nextRss += 30_000;
          }
          if (now() >= seconds * 1000) return false;
          await sleep(Math.min(250, base + offset - now()));
        }
        return true;
      };
      if (!(await at(10_000))) break;
      // A window opens before its fault starts (open-ended), and closes 5 s after the fault ends.
      const outage = { kind: 'api' as const, from: now(), to: Infinity };
      tl.windows.push(outage);
      await api.stop();
      const outageOver = await at(20_000);
      await api.restart();
      outage.to = now() + 5000;
      tl.recoveries.push({ end: now(), after: null });
      if (!outageOver) break;
      if (!(await at(35_000))) break;
      tl.windows.push({ kind: 'api', from: now(), to: now() + 5000 });
      api.faults.compactHistory();
      api.faults.closeWatches();
      if (!(await at(45_000))) break;
      const restart = { kind: 'upstream' as const, from: now(), to: Infinity };
      tl.windows.push(restart);
      await upstream.stop();
      await sleep(1000);
      await upstream.start();
      restart.to = now() + 5000;
      faults.push(`${Math.round(base / 1000)}s`);
      if (!(await at(faultEvery))) break;
    }
    clearInterval(changer);
    changer = null;
    await load.stop();
    rss.push(`end ${server.rssMb()}`);
    const c = load.counts;
    console.log(`fault cycles completed: ${faults.length} (starting at ${faults.join(', ')}); import changes: ${k}`);
    console.log(`queries: ${c.sent} sent, ${c.answered} answered, lost ${c.lost} (${((c.lost / c.sent) * 100).toFixed(3)}%)`);
    console.log(`NXDOMAIN for existing names: ${c.nxdomainForExisting}; wrong answers outside fault windows: ${c.wrong}; SERVFAIL outside windows: ${c.servfail}`);
    console.log(`in fault windows (a fault and the 5 s after it): ${c.inWindow} answers other than the current ones (an API that is down sends no changes), ${c.servfailInWindow} SERVFAIL`);
    if (c.wrongExamples.length > 0) console.log(`  e.g. ${c.wrongExamples.join('\n  e.g. ')}`);
    const st = [...c.staleness].sort((a, b) => a - b);
    const pct = (q: number): number => st[Math.min(st.length - 1, Math.floor(q * st.length))] ?? 0;
    console.log(`changing import outside windows: answer superseded for ${st.filter((x) => x > 0).length} of ${st.length}; by then: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms`);
    console.log(`after each API outage, changes served current again within (ms): ${tl.recoveries.map((r) => r.after ?? 'never').join(', ')}`);
    console.log(`answered by kind: ${Object.entries(c.byKind).map(([kk, v]) => `${kk} ${v}`).join(', ')}`);
    console.log(`RSS (MB) every 30 s: ${rss.join(', ')}`);
    console.log(`server: ${server.describe()}`);
  } finally {
    if (changer !== null) clearInterval(changer);
    await load?.stop();
    await server.stop();
    await upstream.stop();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
