// `cache` directive validation as a table of {input, shouldErr, errContains}, and its defaults.

import { describe, expect, it } from 'vitest';
import { parseCache } from '../../src/plugins/cache/config.js';
import { cacheFactory } from '../../src/plugins/cache/setup.js';
import { checkConfigCase, directiveOf, setupContext, testRuntime } from './plugin-harness.js';

const parse = (text: string, zones: readonly string[] = ['example.org.']) => parseCache(directiveOf(`. {\n${text}\n}`), zones);

describe('cache config', () => {
  it.each([
    { input: 'cache', shouldErr: false, errContains: '' },
    { input: 'cache 0', shouldErr: true, errContains: 'TTL' },
    { input: 'cache -5', shouldErr: true, errContains: 'TTL' },
    { input: 'cache 30 example.org example.net', shouldErr: false, errContains: '' },
    { input: 'cache 30 bad..zone', shouldErr: true, errContains: 'zone' },
    { input: 'cache {\n success\n}', shouldErr: true, errContains: 'argument' },
    { input: 'cache {\n success many\n}', shouldErr: true, errContains: 'capacity' },
    { input: 'cache {\n success 0\n}', shouldErr: true, errContains: 'capacity' },
    { input: 'cache {\n success 100 0\n}', shouldErr: true, errContains: 'TTL' },
    { input: 'cache {\n success 100 10 -1\n}', shouldErr: true, errContains: 'minimum TTL' },
    { input: 'cache {\n success 100 10 1 9\n}', shouldErr: true, errContains: 'argument' },
    { input: 'cache {\n denial 100 x\n}', shouldErr: true, errContains: 'TTL' },
    { input: 'cache {\n prefetch\n}', shouldErr: true, errContains: 'argument' },
    { input: 'cache {\n prefetch -1\n}', shouldErr: true, errContains: 'prefetch amount' },
    { input: 'cache {\n prefetch 2 soon\n}', shouldErr: true, errContains: 'prefetch duration' },
    { input: 'cache {\n prefetch 2 1m 50\n}', shouldErr: true, errContains: "must end with '%'" },
    { input: 'cache {\n prefetch 2 1m 5%\n}', shouldErr: true, errContains: 'prefetch percentage' },
    { input: 'cache {\n prefetch 2 1m 95%\n}', shouldErr: true, errContains: 'prefetch percentage' },
    { input: 'cache {\n prefetch 2 1m 50%\n}', shouldErr: false, errContains: '' },
    { input: 'cache {\n serve_stale 1h later\n}', shouldErr: true, errContains: 'refresh mode' },
    { input: 'cache {\n serve_stale 1h verify extra\n}', shouldErr: true, errContains: 'argument' },
    { input: 'cache {\n serve_stale -1s\n}', shouldErr: true, errContains: 'serve_stale duration' },
    { input: 'cache {\n servfail\n}', shouldErr: true, errContains: 'argument' },
    { input: 'cache {\n servfail 6m\n}', shouldErr: true, errContains: 'too long' },
    { input: 'cache {\n disable\n}', shouldErr: true, errContains: 'argument' },
    { input: 'cache {\n disable everything\n}', shouldErr: true, errContains: "unknown type 'everything'" },
    { input: 'cache {\n keepttl now\n}', shouldErr: true, errContains: 'argument' },
    { input: 'cache {\n bogus\n}', shouldErr: true, errContains: "unknown option 'bogus'" },
  ])('$input', ({ input, shouldErr, errContains }) => {
    checkConfigCase(() => parse(input), shouldErr, errContains);
  });

  it('has CoreDNS defaults and takes the block zones when none are given', () => {
    expect(parse('cache')).toEqual({
      zones: ['example.org.'],
      success: { capacity: 9984, maxTtl: 3600, minTtl: 5 },
      denial: { capacity: 9984, maxTtl: 1800, minTtl: 5 },
      prefetch: { amount: 0, durationMs: 60_000, percentage: 10 },
      serveStale: null,
      servfailMs: 5000,
      disable: { success: [], denial: [] },
      keepTtl: false,
    });
  });

  it('reads every option', () => {
    const c = parse(
      'cache 300 Example.NET {\n success 5000 600 10\n denial 2500 60 1\n prefetch 10 2m 20%\n serve_stale 30m verify\n' +
        ' servfail 10s\n disable success a.example.net\n disable denial\n keepttl\n}',
    );
    expect(c).toEqual({
      zones: ['example.net.'],
      success: { capacity: 5000, maxTtl: 600, minTtl: 10 },
      denial: { capacity: 2500, maxTtl: 60, minTtl: 1 },
      prefetch: { amount: 10, durationMs: 120_000, percentage: 20 },
      serveStale: { upToMs: 1_800_000, verify: true },
      servfailMs: 10_000,
      disable: { success: ['a.example.net.'], denial: ['example.net.'] },
      keepTtl: true,
    });
  });

  it('several cache instances share one metrics registry', () => {
    const runtime = testRuntime();
    const ctx = setupContext(runtime, ['.']);
    expect(cacheFactory.setup(directiveOf('. {\n cache\n}'), ctx)?.name).toBe('cache');
    expect(cacheFactory.setup(directiveOf('. {\n cache 30\n}'), ctx)?.name).toBe('cache');
    expect(runtime.metrics.getSingleMetric('coredns_cache_hits_total')).toBeDefined();
  });

  it('cache TTL caps both caches; serve_stale alone means 1h immediate', () => {
    const c = parse('cache 30 {\n serve_stale\n}');
    expect(c.success.maxTtl).toBe(30);
    expect(c.denial.maxTtl).toBe(30);
    expect(c.serveStale).toEqual({ upToMs: 3_600_000, verify: false });
  });
});
