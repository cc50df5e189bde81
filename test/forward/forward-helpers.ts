// Forward plugins for tests: the real config parser and plugin, with short timeouts so that
// silent upstreams cost milliseconds instead of CoreDNS's seconds.

import { parseForward } from '../../src/plugins/forward/config.js';
import { ForwardPlugin, type ForwardTimeouts } from '../../src/plugins/forward/forward-plugin.js';
import { ForwardMetrics } from '../../src/plugins/forward/metrics.js';
import type { Runtime } from '../../src/plugins/setup-context.js';
import { afterEach } from 'vitest';
import { FakeUpstream, type Behaviour } from '../support/fake-upstream.js';
import { directiveOf, testRuntime } from './plugin-harness.js';

export const FAST: ForwardTimeouts = { attemptMs: 150, deadlineMs: 600, healthCheckMs: 100 };

/** `forward ...` written as a Corefile line (with an optional `{ }` block). */
export function forwardFrom(text: string, runtime: Runtime, timeouts: ForwardTimeouts = FAST, configDir = '/nonexistent'): ForwardPlugin {
  const config = parseForward(directiveOf(`. {\n${text}\n}`), configDir);
  return new ForwardPlugin(config, {
    logger: runtime.logger,
    clock: runtime.clock,
    metrics: new ForwardMetrics(runtime.metrics),
    timeouts,
  });
}

/** Polls `cond` every 10 ms, at most `ms` in total. */
export async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Fake upstreams and forward plugins for one test file, stopped after each test:
 * `const { upstream, plugin } = trackForwarding();` at the top of the file.
 */
export function trackForwarding(): {
  upstream(b: Behaviour): Promise<FakeUpstream>;
  plugin(text: string, runtime?: Runtime): ForwardPlugin;
} {
  const upstreams: FakeUpstream[] = [];
  const plugins: ForwardPlugin[] = [];
  afterEach(async () => {
    for (const p of plugins.splice(0)) await p.stop();
    for (const u of upstreams.splice(0)) await u.stop();
  });
  return {
    async upstream(b) {
      const u = await FakeUpstream.start(b);
      upstreams.push(u);
      return u;
    },
    plugin(text, runtime = testRuntime()) {
      const p = forwardFrom(text, runtime);
      plugins.push(p);
      return p;
    },
  };
}
