// forward + cache against a real resolver (unbound with local data) through a real DnsServer on
// loopback, queried with dig: answers, NXDOMAIN caching, a TC reply retried over TCP, and the
// client's case and ID coming back.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeChain } from '../../src/dns/chain.js';
import { DnsServer } from '../../src/dns/server.js';
import type { CachePlugin } from '../../src/plugins/cache/cache-plugin.js';
import { cacheFactory } from '../../src/plugins/cache/setup.js';
import type { ForwardPlugin } from '../../src/plugins/forward/forward-plugin.js';
import { forwardFactory } from '../../src/plugins/forward/setup.js';
import { build, freeUdpPort, setupContext, testRuntime } from './plugin-harness.js';
import { startUnbound, unboundAvailable, type Unbound } from './unbound-process.js';

const TXT_COUNT = 60;

describe.skipIf(!unboundAvailable())('forward and cache in front of unbound', () => {
  let unbound: Unbound;
  let server: DnsServer;
  let port = 0;
  let cache: CachePlugin;
  const runtime = testRuntime();

  beforeAll(async () => {
    unbound = await startUnbound({
      localZones: ['"example.test." static'],
      localData: [
        'example.test. 300 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60',
        'www.example.test. 300 IN A 192.0.2.10',
        ...Array.from({ length: TXT_COUNT }, (_, i) => `big.example.test. 300 IN TXT "record number ${i} with some padding text"`),
      ],
    });
    port = await freeUdpPort();
    const ctx = setupContext(runtime, ['.'], '/nonexistent', port);
    cache = build<CachePlugin>(cacheFactory, 'cache', ctx);
    const forward = build<ForwardPlugin>(forwardFactory, `forward . ${unbound.address}`, ctx);
    const plugins = [cache, forward];
    server = new DnsServer(
      [{ zones: ['.'], port, bind: ['127.0.0.1'], writer: { bufsize: 1232 }, plugins, chain: composeChain(plugins) }],
      { dropped() {}, panicked() {} },
      pino({ level: 'silent' }),
    );
    await server.start();
  });

  afterAll(async () => {
    await server?.stop(0);
    await unbound?.stop();
  });

  // Asynchronous: the server answering dig runs in this process.
  const dig = async (...args: string[]): Promise<string> =>
    (await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=3', ...args], { encoding: 'utf8' })).stdout;

  it('answers from unbound, with RA and the question as asked', async () => {
    const out = await dig('WWW.Example.TEST', 'A', '+noall', '+answer', '+comments');
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/flags: qr aa rd ra/);
    expect(out).toMatch(/WWW\.Example\.TEST\.\s+\d+\s+IN\s+A\s+192\.0\.2\.10/);
  });

  it('caches NXDOMAIN from unbound for the SOA minimum', async () => {
    const first = await dig('nope.example.test', 'A', '+noall', '+comments', '+authority');
    expect(first).toMatch(/status: NXDOMAIN/);
    expect(first).toMatch(/example\.test\.\s+60\s+IN\s+SOA/);
    expect(cache.size('denial')).toBeGreaterThanOrEqual(1);
  });

  it('gets a large answer over TCP when unbound truncates over UDP, and truncates for a small client', async () => {
    const tcp = await dig('big.example.test', 'TXT', '+tcp', '+noall', '+answer');
    expect(tcp.trim().split('\n')).toHaveLength(TXT_COUNT);
    // A client without EDNS gets what fits in 512 bytes, with TC.
    const small = await dig('big.example.test', 'TXT', '+noedns', '+ignore', '+noall', '+comments');
    expect(small).toMatch(/flags: qr aa tc rd ra/);
  });

  it('counts forwarded requests to unbound', async () => {
    const m = runtime.metrics.getSingleMetric('coredns_forward_requests_total');
    const values = (await m!.get()).values.filter((v) => v.labels.to === unbound.address);
    expect(values[0]?.value ?? 0).toBeGreaterThanOrEqual(3);
  });
});
