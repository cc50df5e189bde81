// Builds forward/cache/loop plugins from Corefile text through their real factories, makes
// Requests the way the packet handler does, and writes Replies with the real response writer, so
// tests see exactly the bytes a client would.

import { pino } from 'pino';
import { expect } from 'vitest';
import { Registry } from 'prom-client';
import { parseCorefile } from '../../src/corefile/parse.js';
import { ConfigError, type Directive } from '../../src/corefile/types.js';
import { requestFromQuery } from '../../src/dns/request-from-query.js';
import { readQuery } from '../../src/dns/query-reader.js';
import type { Reply } from '../../src/dns/reply.js';
import type { Request, Transport } from '../../src/dns/request.js';
import { responseLimit, writeResponse } from '../../src/dns/response-writer.js';
import type { Plugin } from '../../src/plugins/plugin.js';
import { systemClock, type Clock, type PluginFactory, type Runtime, type SetupContext } from '../../src/plugins/setup-context.js';
import { decode, encodeQuery, type Decoded } from '../support/dns-format.js';
import { freePort } from '../support/ports.js';

export function testRuntime(clock: Clock = systemClock): Runtime {
  return { logger: pino({ level: 'silent' }), metrics: new Registry(), clock, env: {} };
}

/** The first directive of the first block of `corefile` (e.g. ". {\n forward . 1.2.3.4\n}"). */
export function directiveOf(corefile: string): Directive {
  const blocks = parseCorefile(corefile, { file: 'Corefile', env: {} });
  const d = blocks[0]?.directives[0];
  if (d === undefined) throw new Error('no directive');
  return d;
}

export function setupContext(runtime: Runtime, zones: readonly string[] = ['.'], configDir = '/nonexistent', port = 53): SetupContext {
  const d = directiveOf(`. {\n  bind 127.0.0.1\n}`);
  return {
    block: { keys: [], directives: [d], file: 'Corefile', line: 1 },
    zones,
    port,
    configDir,
    runtime,
    settings: { bind: [], bufsize: 1232 },
  };
}

/** Runs `factory.setup` on a one-directive block written as Corefile text. */
export function build<P extends Plugin>(factory: PluginFactory, directiveText: string, ctx: SetupContext): P {
  const p = factory.setup(directiveOf(`. {\n${directiveText}\n}`), ctx);
  if (p === null) throw new Error('factory returned no plugin');
  return p as P;
}

export interface RequestOptions {
  readonly proto?: Transport;
  readonly id?: number;
  readonly edns?: { udpSize?: number; do?: boolean } | false;
  readonly cd?: boolean;
  readonly rd?: boolean;
  readonly remotePort?: number;
}

export function makeRequest(name: string, type: string, opts: RequestOptions = {}): Request {
  const raw = encodeQuery(name, type, {
    ...(opts.id === undefined ? {} : { id: opts.id }),
    ...(opts.edns === undefined ? {} : { edns: opts.edns }),
    ...(opts.rd === undefined ? {} : { rd: opts.rd }),
  });
  if (opts.cd === true) raw[3] = raw[3]! | 0x10;
  const r = readQuery(raw);
  if (r.kind !== 'query') throw new Error(`not a query: ${r.kind}`);
  return requestFromQuery(r, raw, { proto: opts.proto ?? 'udp', family: 4, remoteAddress: '127.0.0.1', remotePort: opts.remotePort ?? 40000 }, { server: 'dns://:53', zone: '.' });
}

/** What the client receives for `reply` (the real writer, bufsize 1232). */
export function clientSees(req: Request, reply: Reply): Decoded & { readonly bytes: Uint8Array } {
  const head = { id: req.id, flags: req.flags, questionWire: req.questionWire, edns: req.edns };
  const bytes = writeResponse(head, reply, responseLimit(head, req.proto, 1232), { bufsize: 1232 });
  return { ...decode(bytes), bytes };
}

/** A `next` handler that must not be reached, and one that records what reached it. */
export const REFUSE_NEXT = (): never => {
  throw new Error('next handler reached');
};

export async function metricValue(runtime: Runtime, name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
  const m = runtime.metrics.getSingleMetric(name);
  if (m === undefined) return 0;
  const data = await m.get();
  let total = 0;
  for (const v of data.values) {
    // Histograms: count observations (the _count sample), not buckets or sums.
    const sample = (v as { metricName?: string }).metricName;
    if (sample !== undefined && sample !== name && !sample.endsWith('_count')) continue;
    const l = v.labels as Record<string, string | number>;
    if (Object.entries(labels).every(([k, want]) => String(l[k]) === want)) total += v.value;
  }
  return total;
}

/** One row of a config table: `parse(input)` throws a ConfigError naming `errContains` and a line, or does not throw. */
export function checkConfigCase(parse: () => unknown, shouldErr: boolean, errContains: string): void {
  if (!shouldErr) {
    expect(parse).not.toThrow();
    return;
  }
  let err: unknown;
  try {
    parse();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).message).toContain(errContains);
  // Errors point at the Corefile line of the directive or option (line 1 is the block key).
  expect((err as ConfigError).file).toBe('Corefile');
  expect((err as ConfigError).line).toBeGreaterThanOrEqual(2);
}

/** A loopback port free for UDP and TCP, for servers that must know their port up front (test/support/ports.ts). */
export async function freeUdpPort(): Promise<number> {
  return freePort();
}
