// The prometheus plugin's serve() sees real Requests (readQuery on dns-packet bytes); /metrics,
// scraped over HTTP, must then show CoreDNS's names, labels and buckets with the right counts.

import { afterEach, describe, expect, it } from 'vitest';
import { Rcode } from '../../src/dns/constants.js';
import { rcodeReply } from '../../src/dns/reply.js';
import { announceChain } from '../../src/ops/chain-observer.js';
import { TIME_BUCKETS } from '../../src/ops/dns-metrics.js';
import type { Reply } from '../../src/dns/reply.js';
import type { Handler, Plugin } from '../../src/plugins/plugin.js';
import { prometheusFactory } from '../../src/plugins/prometheus/setup.js';
import { a, httpGet, replyWith, request, samples, setup, setupContext, testRuntime } from './ops-harness.js';

const started: Plugin[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.stop?.();
});

async function startedPrometheus(zones: readonly string[] = ['clusterset.local.']) {
  const t = testRuntime();
  const prom = setup(prometheusFactory, 'prometheus 127.0.0.1:0', setupContext(t.runtime, zones));
  const answerer: Plugin = { name: 'multicluster', serve: () => answer };
  announceChain([prom, answerer]);
  started.push(prom);
  await prom.start?.();
  const port = (prom as { port?: number }).port!;
  return { ...t, prom, scrape: async () => (await httpGet(port, '/metrics')).body };
}

const answer = replyWith('svc.ns.svc.clusterset.local.', 'A', { answers: [a('svc.ns.svc.clusterset.local.', '10.0.0.1')] });
const answerNext: Handler = () => answer;
const base = { server: 'dns://:53', zone: 'clusterset.local.', view: '' };

describe('prometheus plugin metrics', () => {
  it('counts requests by proto, family and type, and responses by rcode and plugin', async () => {
    const { prom, scrape } = await startedPrometheus();
    const cases = [
      { name: 'svc.ns.svc.clusterset.local.', type: 'A', proto: 'udp', family: 4 },
      { name: 'svc.ns.svc.clusterset.local.', type: 'A', proto: 'udp', family: 4 },
      { name: 'svc.ns.svc.clusterset.local.', type: 'AAAA', proto: 'tcp', family: 6 },
      { name: 'svc.ns.svc.clusterset.local.', type: 'NAPTR', proto: 'udp', family: 4 },
    ] as const;
    for (const c of cases) {
      await prom.serve(request(c.name, c.type, { proto: c.proto, family: c.family, zone: 'clusterset.local.' }), answerNext);
    }
    await prom.serve(request('gone.ns.svc.clusterset.local.', 'A', { zone: 'clusterset.local.' }), () => rcodeReply(Rcode.SERVFAIL, 'forward'));
    const text = await scrape();
    const requests = samples(text, 'coredns_dns_requests_total');
    expect(requests).toContainEqual({ labels: { ...base, proto: 'udp', family: '1', type: 'A' }, value: 3 });
    expect(requests).toContainEqual({ labels: { ...base, proto: 'tcp', family: '2', type: 'AAAA' }, value: 1 });
    expect(requests).toContainEqual({ labels: { ...base, proto: 'udp', family: '1', type: 'other' }, value: 1 });
    const responses = samples(text, 'coredns_dns_responses_total');
    expect(responses).toContainEqual({ labels: { ...base, rcode: 'NOERROR', plugin: 'multicluster' }, value: 4 });
    // Nothing written by a plugin: the server writes SERVFAIL, CoreDNS's plugin label is empty.
    expect(responses).toContainEqual({ labels: { ...base, rcode: 'SERVFAIL', plugin: '' }, value: 1 });
  });

  it('keeps interleaved servers, zones, answering plugins and types apart', async () => {
    const { prom, scrape } = await startedPrometheus(['clusterset.local.', 'in-addr.arpa.']);
    const byCache = replyWith('svc.ns.svc.clusterset.local.', 'A', { answers: [a('svc.ns.svc.clusterset.local.', '10.0.0.1')] }, Rcode.NOERROR);
    const cached: Reply = Object.assign(Object.create(Object.getPrototypeOf(byCache) as object), byCache, { plugin: 'cache' });
    // Each query differs from the one before in server, zone or plugin.
    const queries = [
      { server: 'dns://:53', zone: 'clusterset.local.', type: 'A', reply: answer },
      { server: 'dns://:53', zone: 'in-addr.arpa.', type: 'PTR', reply: answer },
      { server: 'dns://127.0.0.1:53', zone: 'clusterset.local.', type: 'A', reply: answer },
      { server: 'dns://:53', zone: 'clusterset.local.', type: 'A', reply: cached },
      { server: 'dns://:53', zone: 'clusterset.local.', type: 'ANY', reply: answer },
      { server: 'dns://:53', zone: 'clusterset.local.', type: 'TYPE300', reply: cached },
      { server: 'dns://127.0.0.1:53', zone: 'clusterset.local.', type: 'A', reply: answer },
    ] as const;
    for (const q of queries) await prom.serve(request('svc.ns.svc.clusterset.local.', q.type, { server: q.server, zone: q.zone }), () => q.reply);
    const text = await scrape();
    const requests = samples(text, 'coredns_dns_requests_total').map((x) => `${x.labels.server} ${x.labels.zone} ${x.labels.type} ${x.value}`).sort();
    expect(requests).toEqual([
      'dns://127.0.0.1:53 clusterset.local. A 2',
      'dns://:53 clusterset.local. A 2',
      'dns://:53 clusterset.local. ANY 1',
      'dns://:53 clusterset.local. other 1',
      'dns://:53 in-addr.arpa. PTR 1',
    ]);
    const responses = samples(text, 'coredns_dns_responses_total').map((x) => `${x.labels.server} ${x.labels.zone} ${x.labels.plugin} ${x.value}`).sort();
    expect(responses).toEqual([
      'dns://127.0.0.1:53 clusterset.local. multicluster 2',
      'dns://:53 clusterset.local. cache 2',
      'dns://:53 clusterset.local. multicluster 2',
      'dns://:53 in-addr.arpa. multicluster 1',
    ]);
  });

  it('observes durations with CoreDNS buckets, and request/response sizes per proto', async () => {
    const { prom, scrape } = await startedPrometheus();
    const req = request('svc.ns.svc.clusterset.local.', 'A', { zone: 'clusterset.local.', edns: { udpSize: 1232, do: true } });
    await prom.serve(req, answerNext);
    await prom.serve(req, answerNext);
    const text = await scrape();
    const buckets = samples(text, 'coredns_dns_request_duration_seconds_bucket').filter((s) => s.labels.type === 'A');
    expect(buckets.map((b) => b.labels.le)).toEqual([...TIME_BUCKETS.map(String), '+Inf']);
    expect(buckets.at(-1)?.value).toBe(2);
    expect(buckets[0]?.labels).toMatchObject(base);
    expect(samples(text, 'coredns_dns_request_duration_seconds_count')).toEqual([{ labels: { ...base, type: 'A' }, value: 2 }]);
    const reqSize = samples(text, 'coredns_dns_request_size_bytes_sum');
    expect(reqSize).toEqual([{ labels: { ...base, proto: 'udp' }, value: 2 * req.raw.length }]);
    const respSize = samples(text, 'coredns_dns_response_size_bytes_sum');
    expect(respSize).toEqual([{ labels: { ...base, proto: 'udp' }, value: 2 * (answer.wire!.length + 11) }]);
    // the size buckets are cumulative: a ~70-byte reply lands at le=100 and above
    const respBuckets = samples(text, 'coredns_dns_response_size_bytes_bucket');
    expect(respBuckets.find((b) => b.labels.le === '0')?.value).toBe(0);
    expect(respBuckets.find((b) => b.labels.le === '100')?.value).toBe(2);
    expect(samples(text, 'coredns_dns_do_requests_total')).toEqual([{ labels: base, value: 2 }]);
  });

  it('moves counters between scrapes (flushes deltas, not totals)', async () => {
    const { prom, scrape } = await startedPrometheus();
    const req = request('svc.ns.svc.clusterset.local.', 'A', { zone: 'clusterset.local.' });
    const count = async () => samples(await scrape(), 'coredns_dns_requests_total')[0]?.value;
    await prom.serve(req, answerNext);
    expect(await count()).toBe(1);
    expect(await count()).toBe(1);
    for (let i = 0; i < 5; i++) await prom.serve(req, answerNext);
    expect(await count()).toBe(6);
  });

  it('counts a query whose chain threw as SERVFAIL under zone "dropped" (CoreDNS) and lets the exception through', async () => {
    const { prom, scrape } = await startedPrometheus();
    const req = request('svc.ns.svc.clusterset.local.', 'A', { zone: 'clusterset.local.' });
    expect(() => prom.serve(req, () => { throw new Error('boom'); })).toThrow('boom');
    await expect(prom.serve(req, () => Promise.reject(new Error('later')))).rejects.toThrow('later');
    expect(samples(await scrape(), 'coredns_dns_responses_total')).toEqual([{ labels: { ...base, zone: 'dropped', rcode: 'SERVFAIL', plugin: '' }, value: 2 }]);
  });

  it('publishes plugin_enabled for the block and build_info', async () => {
    const { scrape } = await startedPrometheus(['clusterset.local.', 'in-addr.arpa.']);
    const text = await scrape();
    const enabled = samples(text, 'coredns_plugin_enabled').map((s) => `${s.labels.zone} ${s.labels.name} ${s.labels.server} ${s.value}`).sort();
    expect(enabled).toEqual([
      'clusterset.local. multicluster dns://:53 1',
      'clusterset.local. prometheus dns://:53 1',
      'in-addr.arpa. multicluster dns://:53 1',
      'in-addr.arpa. prometheus dns://:53 1',
    ]);
    const build = samples(text, 'coredns_build_info');
    expect(build).toEqual([{ labels: { version: '0.1.0', revision: 'test', goversion: `node${process.versions.node}` }, value: 1 }]);
    expect(samples(text, 'coredns_panics_total')).toEqual([{ labels: {}, value: 0 }]);
  });

  it('withdraws coredns_plugin_enabled only when the last block holding it stops', async () => {
    const t = testRuntime();
    const mk = () => setup(prometheusFactory, 'prometheus 127.0.0.1:0', setupContext(t.runtime, ['clusterset.local.']));
    const p1 = mk();
    const p2 = mk();
    announceChain([p1]);
    announceChain([p2]);
    started.push(p1, p2);
    await p1.start?.();
    await p2.start?.();
    const enabled = async () => samples(await t.runtime.metrics.metrics(), 'coredns_plugin_enabled').length;
    expect(await enabled()).toBe(1);
    await p1.stop?.();
    expect(await enabled()).toBe(1);
    await p2.stop?.();
    expect(await enabled()).toBe(0);
  });
});
