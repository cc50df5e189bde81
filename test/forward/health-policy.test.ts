// Upstream selection: FROM/except routing, the three policies, health probes after failures,
// down/up transitions, and what happens when every upstream is down.

import { afterEach, describe, expect, it } from 'vitest';
import { rcodeReply } from '../../src/dns/reply.js';
import type { ForwardPlugin } from '../../src/plugins/forward/forward-plugin.js';
import { FakeUpstream, answeringA, silent, type Behaviour } from '../support/fake-upstream.js';
import { forwardFrom, sleep, trackForwarding, waitFor } from './forward-helpers.js';
import { REFUSE_NEXT, makeRequest, metricValue, testRuntime } from './plugin-harness.js';

const { upstream, plugin } = trackForwarding();

const isProbe = (q: { name: string; type: number }) => q.type === 2 && (q.name === '.' || q.name === 'health.example.');
const realQueries = (u: FakeUpstream) => u.queries.filter((q) => !isProbe(q));
const probes = (u: FakeUpstream) => u.queries.filter(isProbe);

describe('which names forward', () => {
  const NEXT_MARK = 3; // NXDOMAIN from "next"
  const next = () => rcodeReply(NEXT_MARK, 'next');

  it.each([
    { name: 'www.example.org', forwarded: true },
    { name: 'example.org', forwarded: true },
    { name: 'a.internal.example.org', forwarded: false },
    { name: 'internal.example.org', forwarded: false },
    { name: 'other.example.com', forwarded: false },
    { name: 'notexample.org', forwarded: false },
    { name: 'WWW.EXAMPLE.ORG', forwarded: true },
  ])('$name forwarded=$forwarded', async ({ name, forwarded }) => {
    const u = await upstream(answeringA('192.0.2.1'));
    const p = plugin(`forward example.org ${u.address} {\n except internal.example.org\n}`);
    const reply = await p.serve(makeRequest(name, 'A'), next);
    expect(reply.rcode === NEXT_MARK).toBe(!forwarded);
    expect(u.queries.length).toBe(forwarded ? 1 : 0);
  });

  it('forwards FROM itself even when an except zone covers it (CoreDNS)', async () => {
    const u = await upstream(answeringA('192.0.2.1'));
    const p = plugin(`forward example.org ${u.address} {\n except example.org\n}`);
    expect((await p.serve(makeRequest('example.org', 'A'), next)).rcode).toBe(0);
    expect((await p.serve(makeRequest('a.example.org', 'A'), next)).rcode).toBe(NEXT_MARK);
  });
});

describe('policy', () => {
  it('sequential always starts with the first upstream', async () => {
    const [a, b] = [await upstream(answeringA('192.0.2.1')), await upstream(answeringA('192.0.2.2'))];
    const p = plugin(`forward . ${a!.address} ${b!.address} {\n policy sequential\n}`);
    for (let i = 0; i < 5; i++) await p.serve(makeRequest(`s${i}.example.org`, 'A'), REFUSE_NEXT);
    expect([a!.queries.length, b!.queries.length]).toEqual([5, 0]);
  });

  it('round_robin rotates through the upstreams', async () => {
    const us = [await upstream(answeringA('192.0.2.1')), await upstream(answeringA('192.0.2.2')), await upstream(answeringA('192.0.2.3'))];
    const p = plugin(`forward . ${us.map((u) => u.address).join(' ')} {\n policy round_robin\n}`);
    for (let i = 0; i < 6; i++) await p.serve(makeRequest(`r${i}.example.org`, 'A'), REFUSE_NEXT);
    expect(us.map((u) => u.queries.length)).toEqual([2, 2, 2]);
  });

  it('random (the default) spreads queries over the upstreams', async () => {
    const [a, b] = [await upstream(answeringA('192.0.2.1')), await upstream(answeringA('192.0.2.2'))];
    const p = plugin(`forward . ${a!.address} ${b!.address}`);
    for (let i = 0; i < 40; i++) await p.serve(makeRequest(`x${i}.example.org`, 'A'), REFUSE_NEXT);
    // All 40 on one side has probability 2^-39.
    expect(a!.queries.length).toBeGreaterThan(0);
    expect(b!.queries.length).toBeGreaterThan(0);
    expect(a!.queries.length + b!.queries.length).toBe(40);
  });
});

describe('health checking', () => {
  it('probes a failed upstream with ". IN NS" (RD set) until it answers', async () => {
    const u = await upstream(silent);
    const p = plugin(`forward . ${u.address} {\n health_check 30ms\n}`);
    await p.serve(makeRequest('h.example.org', 'A'), REFUSE_NEXT);
    await waitFor(() => probes(u).length >= 2);
    expect(probes(u)[0]!.flags & 0x0100).toBe(0x0100);
    // It answers now: probes stop after the first healthy one.
    u.behaviour = answeringA('192.0.2.1');
    await waitFor(() => p.upstreams[0]!.fails === 0);
    const settled = probes(u).length;
    await sleep(150);
    expect(probes(u).length).toBe(settled);
  });

  it('health_check no_rec clears RD and domain changes the probe name', async () => {
    const u = await upstream(silent);
    const p = plugin(`forward . ${u.address} {\n health_check 30ms no_rec domain health.example\n}`);
    await p.serve(makeRequest('h.example.org', 'A'), REFUSE_NEXT);
    await waitFor(() => probes(u).length >= 1);
    expect(probes(u)[0]!.name).toBe('health.example.');
    expect(probes(u)[0]!.flags & 0x0100).toBe(0);
  });

  it('max_fails 0 never probes and never marks the upstream down', async () => {
    const u = await upstream(silent);
    const p = plugin(`forward . ${u.address} {\n health_check 20ms\n max_fails 0\n}`);
    await p.serve(makeRequest('h.example.org', 'A'), REFUSE_NEXT);
    await sleep(120);
    expect(probes(u)).toHaveLength(0);
    expect(p.upstreams[0]!.down(0)).toBe(false);
  });

  it('health_check 0 sends no probes, so the upstream is never marked down', async () => {
    const u = await upstream(silent);
    const p = plugin(`forward . ${u.address} {\n health_check 0\n}`);
    await p.serve(makeRequest('h0.example.org', 'A'), REFUSE_NEXT);
    await sleep(100);
    expect(probes(u)).toHaveLength(0);
    expect(p.upstreams[0]!.down(2)).toBe(false);
  });

  it('marks an upstream down after max_fails failed probes, skips it, and brings it back when it answers', async () => {
    const runtime = testRuntime();
    const bad = await upstream(silent);
    const good = await upstream(answeringA('192.0.2.2'));
    const p = plugin(`forward . ${bad.address} ${good.address} {\n policy sequential\n max_fails 2\n health_check 30ms\n}`, runtime);
    expect((await p.serve(makeRequest('d1.example.org', 'A'), REFUSE_NEXT)).rcode).toBe(0);
    await waitFor(() => p.upstreams[0]!.down(2));
    expect(await metricValue(runtime, 'coredns_forward_healthcheck_failures_total', { to: bad.address })).toBeGreaterThanOrEqual(2);
    expect(await metricValue(runtime, 'coredns_proxy_healthcheck_failures_total', { to: bad.address })).toBeGreaterThanOrEqual(2);

    const before = realQueries(bad).length;
    expect((await p.serve(makeRequest('d2.example.org', 'A'), REFUSE_NEXT)).rcode).toBe(0);
    expect(realQueries(bad).length).toBe(before); // skipped while down

    bad.behaviour = answeringA('192.0.2.1');
    await waitFor(() => !p.upstreams[0]!.down(2));
    await p.serve(makeRequest('d3.example.org', 'A'), REFUSE_NEXT);
    expect(realQueries(bad).length).toBe(before + 1);
  });

  it('with every upstream down, tries a random one and counts healthcheck_broken', async () => {
    const runtime = testRuntime();
    const u = await upstream(silent);
    const p = plugin(`forward . ${u.address} {\n max_fails 1\n health_check 20ms\n}`, runtime);
    await p.serve(makeRequest('b1.example.org', 'A'), REFUSE_NEXT);
    await waitFor(() => p.upstreams[0]!.down(1));
    u.behaviour = (q) => (isProbe(q) ? [] : answeringA('192.0.2.1')(q));
    const broken = await metricValue(runtime, 'coredns_forward_healthcheck_broken_total');
    const reply = await p.serve(makeRequest('b2.example.org', 'A'), REFUSE_NEXT);
    expect(reply.rcode).toBe(0);
    expect(await metricValue(runtime, 'coredns_forward_healthcheck_broken_total')).toBe(broken + 1);
  });

  it('failfast_all_unhealthy_upstreams answers SERVFAIL at once when all are down', async () => {
    const u = await upstream(silent);
    const p = plugin(`forward . ${u.address} {\n max_fails 1\n health_check 20ms\n failfast_all_unhealthy_upstreams\n}`);
    await p.serve(makeRequest('f1.example.org', 'A'), REFUSE_NEXT);
    await waitFor(() => p.upstreams[0]!.down(1));
    const before = realQueries(u).length;
    const reply = await p.serve(makeRequest('f2.example.org', 'A'), REFUSE_NEXT);
    expect(reply.rcode).toBe(2);
    expect(realQueries(u).length).toBe(before);
  });
});
