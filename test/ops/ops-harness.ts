// Shared pieces for the operations tests: a runtime with real operations services and a logger
// that keeps its JSON lines, directives parsed from Corefile text by the real parser, Requests
// built the way the packet handler builds them (readQuery on dns-packet-encoded bytes), and
// Replies encoded with dns-packet.

import { Writable } from 'node:stream';
import dnsPacket from 'dns-packet';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseCorefile } from '../../src/corefile/parse.js';
import type { Directive } from '../../src/corefile/types.js';
import { requestFromQuery } from '../../src/dns/request-from-query.js';
import { readQuery } from '../../src/dns/query-reader.js';
import { wireReply, type Reply } from '../../src/dns/reply.js';
import type { Request } from '../../src/dns/request.js';
import { createOperations } from '../../src/ops/create-operations.js';
import type { Operations } from '../../src/ops/operations.js';
import type { Plugin } from '../../src/plugins/plugin.js';
import { systemClock, type Clock, type PluginFactory, type Runtime, type SetupContext } from '../../src/plugins/setup-context.js';
import { encodeQuery, type QueryOptions } from '../support/dns-format.js';

export interface TestRuntime {
  readonly runtime: Runtime & { readonly ops: Operations };
  readonly ops: Operations;
  /** Every JSON line the logger wrote, parsed. */
  readonly lines: Record<string, unknown>[];
}

export function testRuntime(clock: Clock = systemClock): TestRuntime {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const metrics = new Registry();
  const ops = createOperations({ logger, registry: metrics, build: { version: '0.1.0', revision: 'test' }, processMetrics: false });
  return { runtime: { logger, metrics, clock, env: {}, ops }, ops, lines };
}

/** The first directive of a block holding `text` (which may span lines and carry a `{ }` block). */
export function directive(text: string): Directive {
  const d = parseCorefile(`. {\n${text}\n}\n`, { file: 'Corefile', env: {} })[0]?.directives[0];
  if (d === undefined) throw new Error('no directive');
  return d;
}

export function setupContext(runtime: Runtime, zones: readonly string[] = ['.'], port = 53): SetupContext {
  return {
    block: { keys: [], directives: [], file: 'Corefile', line: 1 },
    zones,
    port,
    configDir: '/nonexistent',
    runtime,
    settings: { bind: [], bufsize: 1232 },
  };
}

export function setup(factory: PluginFactory, text: string, ctx: SetupContext): Plugin {
  const p = factory.setup(directive(text), ctx);
  if (p === null) throw new Error(`${factory.name} returned no plugin`);
  return p;
}

export interface RequestOptions extends QueryOptions {
  readonly proto?: 'udp' | 'tcp';
  readonly family?: 4 | 6;
  readonly remote?: string;
  readonly zone?: string;
  readonly server?: string;
}

export function request(name: string, type: string, opts: RequestOptions = {}): Request {
  const raw = encodeQuery(name, type, opts);
  const r = readQuery(raw);
  if (r.kind !== 'query') throw new Error(`not a query: ${r.kind}`);
  return requestFromQuery(
    r,
    raw,
    { proto: opts.proto ?? 'udp', family: opts.family ?? 4, remoteAddress: opts.remote ?? '127.0.0.1', remotePort: 40000 },
    { server: opts.server ?? 'dns://:53', zone: opts.zone ?? '.' },
  );
}

/** A Reply carrying these records, encoded by dns-packet (names compressed as it does). */
export function replyWith(
  name: string,
  type: string,
  sections: { answers?: dnsPacket.Answer[]; authorities?: dnsPacket.Answer[] },
  rcode = 0,
  plugin = 'multicluster',
  flags = 0x0400,
): Reply {
  const wire = dnsPacket.encode({
    type: 'response',
    id: 0,
    flags,
    questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }],
    answers: sections.answers ?? [],
    authorities: sections.authorities ?? [],
  });
  return wireReply(rcode, flags, Uint8Array.from(wire), plugin);
}

export function a(name: string, ip: string, ttl = 5): dnsPacket.Answer {
  return { name, type: 'A', class: 'IN', ttl, data: ip };
}

export function aaaa(name: string, ip: string, ttl = 5): dnsPacket.Answer {
  return { name, type: 'AAAA', class: 'IN', ttl, data: ip };
}

export async function httpGet(port: number, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** Lines `name{labels} value` of a Prometheus text exposition, labels as an object. */
export function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = lm[2]!;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}
