// Config tables for the operations directives: what each accepts, what it records, and the
// error (with file and line) for what it does not.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/corefile/types.js';
import { bufsizeFactory } from '../../src/plugins/bufsize/setup.js';
import { healthFactory } from '../../src/plugins/health/setup.js';
import type { HealthPlugin } from '../../src/plugins/health/health-plugin.js';
import { prometheusFactory } from '../../src/plugins/prometheus/setup.js';
import { readyFactory } from '../../src/plugins/ready/setup.js';
import type { ReadyPlugin } from '../../src/plugins/ready/ready-plugin.js';
import { reloadFactory } from '../../src/plugins/reload/setup.js';
import type { PluginFactory } from '../../src/plugins/setup-context.js';
import { combineReloadSettings } from '../../src/ops/reload-settings.js';
import { directive, setupContext, testRuntime } from './ops-harness.js';

interface Case {
  readonly input: string;
  readonly shouldErr: boolean;
  readonly errContains?: string;
  /** Line of the error: the directive's (2) unless an option inside its block is at fault (3). */
  readonly line?: number;
  readonly check?: (result: unknown, settings: { bufsize: number; reload?: unknown }) => void;
}

function run(factory: PluginFactory, cases: readonly Case[]): void {
  it.each(cases)('$input', ({ input, shouldErr, errContains, line, check }) => {
    const ctx = setupContext(testRuntime().runtime);
    const d = directive(input);
    if (shouldErr) {
      let err: unknown;
      try {
        factory.setup(d, ctx);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message.startsWith(`Corefile:${line ?? (input.includes('{') ? 3 : 2)}: `)).toBe(true);
      if (errContains !== undefined) expect((err as ConfigError).message).toContain(errContains);
      return;
    }
    const result = factory.setup(d, ctx);
    check?.(result, ctx.settings);
  });
}

describe('health', () => {
  const addr = (r: unknown) => (r as HealthPlugin).config.addr.key;
  run(healthFactory, [
    { input: 'health', shouldErr: false, check: (r) => expect(addr(r)).toBe(':8080') },
    { input: 'health localhost:8091', shouldErr: false, check: (r) => expect(addr(r)).toBe('localhost:8091') },
    { input: 'health [::1]:8091', shouldErr: false, check: (r) => expect(addr(r)).toBe('[::1]:8091') },
    { input: 'health :8080 {\n lameduck 5s\n}', shouldErr: false, check: (r) => expect((r as HealthPlugin).config.lameduckMs).toBe(5000) },
    { input: 'health 8080', shouldErr: true, errContains: 'missing port' },
    { input: 'health :99999', shouldErr: true, errContains: 'bad port' },
    { input: 'health ::1:80', shouldErr: true, errContains: 'brackets' },
    { input: 'health :8080 :8081', shouldErr: true, errContains: 'at most 1 argument' },
    { input: 'health {\n lameduck\n}', shouldErr: true, errContains: 'expected 1 argument' },
    { input: 'health {\n lameduck forever\n}', shouldErr: true, errContains: "invalid lameduck duration 'forever'" },
    { input: 'health {\n lame 1s\n}', shouldErr: true, errContains: "unknown option 'lame'" },
  ]);
});

describe('ready', () => {
  const cfg = (r: unknown) => (r as ReadyPlugin).config;
  run(readyFactory, [
    { input: 'ready', shouldErr: false, check: (r) => expect(cfg(r)).toMatchObject({ addr: { key: ':8181' }, monitor: 'until-ready' }) },
    { input: 'ready 127.0.0.1:8282 {\n monitor continuously\n}', shouldErr: false, check: (r) => expect(cfg(r)).toMatchObject({ addr: { key: '127.0.0.1:8282' }, monitor: 'continuously' }) },
    { input: 'ready {\n monitor sometimes\n}', shouldErr: true, errContains: 'until-ready or continuously' },
    { input: 'ready a:b', shouldErr: true, errContains: 'bad port' },
  ]);
});

describe('prometheus', () => {
  run(prometheusFactory, [
    { input: 'prometheus', shouldErr: false, check: (r) => expect((r as { config: { addr: { key: string } } }).config.addr.key).toBe(':9153') },
    { input: 'prometheus localhost:9253', shouldErr: false },
    { input: 'prometheus {\n tls /etc/web.yml\n}', shouldErr: true, errContains: "unknown option 'tls'" },
    { input: 'prometheus a b', shouldErr: true, errContains: 'at most 1 argument' },
  ]);
});

describe('bufsize', () => {
  run(bufsizeFactory, [
    { input: 'bufsize', shouldErr: false, check: (r, s) => expect([r, s.bufsize]).toEqual([null, 1232]) },
    { input: 'bufsize 512', shouldErr: false, check: (r, s) => expect([r, s.bufsize]).toEqual([null, 512]) },
    { input: 'bufsize 4096', shouldErr: false, check: (_r, s) => expect(s.bufsize).toBe(4096) },
    { input: 'bufsize 511', shouldErr: true, errContains: 'out of range' },
    { input: 'bufsize 4097', shouldErr: true, errContains: 'out of range' },
    { input: 'bufsize big', shouldErr: true, errContains: "invalid buffer size 'big'" },
    { input: 'bufsize 1 2', shouldErr: true, errContains: 'at most 1 argument' },
    { input: 'bufsize 1232 {\n x\n}', shouldErr: true, errContains: 'does not take a block', line: 2 },
  ]);
});

describe('reload', () => {
  run(reloadFactory, [
    { input: 'reload', shouldErr: false, check: (r, s) => expect([r, s.reload]).toEqual([null, { intervalMs: 30_000, jitterMs: 15_000 }]) },
    { input: 'reload 10s', shouldErr: false, check: (_r, s) => expect(s.reload).toEqual({ intervalMs: 10_000, jitterMs: 5_000 }) },
    { input: 'reload 2s 0s', shouldErr: false, check: (_r, s) => expect(s.reload).toEqual({ intervalMs: 2_000, jitterMs: 0 }) },
    { input: 'reload 1m 10s', shouldErr: false, check: (_r, s) => expect(s.reload).toEqual({ intervalMs: 60_000, jitterMs: 10_000 }) },
    { input: 'reload 1s', shouldErr: true, errContains: 'the minimum is 2s' },
    { input: 'reload 10s 500ms', shouldErr: true, errContains: 'must be 0 or at least 1s' },
    { input: 'reload often', shouldErr: true, errContains: "invalid interval 'often'" },
    { input: 'reload 10s 2s 1s', shouldErr: true, errContains: 'at most 2 arguments' },
  ]);

  it('combines blocks: none means no polling, else the most eager', () => {
    expect(combineReloadSettings([{}, {}])).toBeNull();
    const fast = { intervalMs: 5_000, jitterMs: 1_000 };
    expect(combineReloadSettings([{ reload: { intervalMs: 30_000, jitterMs: 15_000 } }, {}, { reload: fast }])).toBe(fast);
  });
});

describe('operations services', () => {
  it('health, ready and prometheus refuse a runtime without them, at the directive', () => {
    const { runtime } = testRuntime();
    const bare = setupContext({ logger: runtime.logger, metrics: runtime.metrics, clock: runtime.clock, env: {} });
    for (const f of [healthFactory, readyFactory, prometheusFactory]) {
      expect(() => f.setup(directive(f.name), bare)).toThrow(/^Corefile:2: .*needs the operations services/);
    }
  });
});
