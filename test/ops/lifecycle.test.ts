// Reload watcher (good, bad, unchanged, forced, serialized, polling), signal handling with an
// injected process-like emitter, and the shutdown sequence order.

import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Lifecycle } from '../../src/ops/lifecycle.js';
import { ReloadWatcher } from '../../src/ops/reload-watcher.js';
import type { ReloadSettings } from '../../src/ops/reload-settings.js';
import { installSignalHandlers, type SignalSource } from '../../src/ops/signals.js';
import { gracefulShutdown } from '../../src/ops/shutdown.js';
import { samples, testRuntime } from './ops-harness.js';

afterEach(() => vi.useRealTimers());

/** A Corefile "on disk" and a config applier that rejects texts containing "bad". */
function world(initial: string) {
  const t = testRuntime();
  const state = { file: initial, running: initial, applied: [] as string[] };
  const watcher = new ReloadWatcher({
    read: async () => state.file,
    apply: async (text) => {
      if (text.includes('bad')) throw new Error(`Corefile:2: unknown directive 'bad'`);
      state.running = text;
      state.applied.push(text);
      return { intervalMs: 2000, jitterMs: 0 };
    },
    logger: t.runtime.logger,
    registry: t.runtime.metrics,
    random: () => 0.5,
  });
  return { ...t, state, watcher };
}

describe('ReloadWatcher', () => {
  it('applies a changed file, keeps the running config on a bad one and does not retry it', async () => {
    const w = world('. {\n whoami\n}');
    w.watcher.start(w.state.file, null);
    expect(await w.watcher.check()).toBe('unchanged');
    w.state.file = '. {\n forward . 1.1.1.1\n}';
    expect(await w.watcher.check()).toBe('applied');
    expect(w.state.running).toBe(w.state.file);
    const good = w.state.running;
    w.state.file = '. {\n bad\n}';
    expect(await w.watcher.check()).toBe('failed');
    expect(w.state.running).toBe(good);
    expect(await w.watcher.check()).toBe('unchanged'); // the same bad text is not tried again
    const error = w.lines.find((l) => l.level === 50);
    expect(error?.msg).toContain("unknown directive 'bad'");
    const text = await w.runtime.metrics.metrics();
    expect(samples(text, 'coredns_reload_failed_total')).toEqual([{ labels: {}, value: 1 }]);
    expect(samples(text, 'coredns_reload_info')).toHaveLength(1);
    w.state.file = good + '\n';
    expect(await w.watcher.check()).toBe('applied');
    await w.watcher.stop();
  });

  it('reloadNow applies even an unchanged file (SIGUSR1)', async () => {
    const w = world('a');
    w.watcher.start('a', null);
    expect(await w.watcher.reloadNow()).toBe('applied');
    expect(w.state.applied).toEqual(['a']);
    await w.watcher.stop();
  });

  it('runs one reload at a time and folds requests made meanwhile into one more', async () => {
    const t = testRuntime();
    let release: () => void = () => undefined;
    let applies = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const watcher = new ReloadWatcher({
      read: async () => 'same',
      apply: async () => {
        applies++;
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await new Promise<void>((r) => (release = r));
        concurrent--;
        return null;
      },
      logger: t.runtime.logger,
    });
    watcher.start('x', null);
    const first = watcher.reloadNow();
    await vi.waitFor(() => expect(applies).toBe(1));
    const more = [watcher.reloadNow(), watcher.check(), watcher.reloadNow()];
    release();
    await vi.waitFor(() => expect(applies).toBe(2), { timeout: 2000 });
    release();
    expect(await first).toBe('applied');
    expect(await Promise.all(more)).toEqual(['applied', 'applied', 'applied']);
    expect(applies).toBe(2);
    expect(maxConcurrent).toBe(1);
    await watcher.stop();
  });

  it('polls every interval (jitter applied) and follows the settings each config brings', async () => {
    vi.useFakeTimers();
    const t = testRuntime();
    let file = 'v1';
    const applied: string[] = [];
    const next: Record<string, ReloadSettings | null> = { v2: { intervalMs: 10_000, jitterMs: 4_000 }, v3: null };
    const watcher = new ReloadWatcher({
      read: async () => file,
      apply: async (text) => {
        applied.push(text);
        return next[text] ?? null;
      },
      logger: t.runtime.logger,
      random: () => 1, // +jitter/2
    });
    watcher.start('v1', { intervalMs: 2_000, jitterMs: 0 });
    file = 'v2';
    await vi.advanceTimersByTimeAsync(1_999);
    expect(applied).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(applied).toEqual(['v2']);
    file = 'v3';
    await vi.advanceTimersByTimeAsync(11_999); // v2's settings: 10s + 4s/2
    expect(applied).toEqual(['v2']);
    await vi.advanceTimersByTimeAsync(1);
    expect(applied).toEqual(['v2', 'v3']);
    file = 'v4'; // v3 has no reload: polling stopped
    await vi.advanceTimersByTimeAsync(120_000);
    expect(applied).toEqual(['v2', 'v3']);
    await watcher.stop();
  });

  it('keeps running when the file cannot be read', async () => {
    const t = testRuntime();
    const watcher = new ReloadWatcher({
      read: async () => {
        throw new Error('ENOENT');
      },
      apply: async () => null,
      logger: t.runtime.logger,
    });
    watcher.start('x', null);
    expect(await watcher.check()).toBe('failed');
    await watcher.stop();
  });
});

describe('signals', () => {
  function emitter(): SignalSource & EventEmitter {
    return new EventEmitter() as SignalSource & EventEmitter;
  }

  it('SIGTERM and SIGINT start one shutdown; repeats are ignored; SIGUSR1 reloads until then', async () => {
    for (const first of ['SIGTERM', 'SIGINT'] as const) {
      const proc = emitter();
      const t = testRuntime();
      const calls: string[] = [];
      const uninstall = installSignalHandlers(proc, {
        onShutdown: (s) => void calls.push(`shutdown ${s}`),
        onReload: () => void calls.push('reload'),
        logger: t.runtime.logger,
      });
      proc.emit('SIGUSR1');
      proc.emit(first);
      proc.emit('SIGTERM');
      proc.emit('SIGINT');
      proc.emit('SIGUSR1');
      await vi.waitFor(() => expect(calls).toEqual(['reload', `shutdown ${first}`]));
      uninstall();
      uninstall();
      expect(proc.listenerCount('SIGTERM') + proc.listenerCount('SIGINT') + proc.listenerCount('SIGUSR1')).toBe(0);
    }
  });

  it('logs a failing reload and keeps handling signals', async () => {
    const proc = emitter();
    const t = testRuntime();
    let reloads = 0;
    installSignalHandlers(proc, {
      onShutdown: () => undefined,
      onReload: async () => {
        reloads++;
        throw new Error('bad config');
      },
      logger: t.runtime.logger,
    });
    proc.emit('SIGUSR1');
    proc.emit('SIGUSR1');
    await vi.waitFor(() => expect(t.lines.filter((l) => l.msg === 'reload failed')).toHaveLength(2));
    expect(reloads).toBe(2);
  });
});

describe('gracefulShutdown', () => {
  it('goes not-ready, waits the lameduck while still serving, then stops the server, then the rest', async () => {
    const t = testRuntime();
    const lifecycle = new Lifecycle();
    lifecycle.addLameduck(1500);
    const events: string[] = [];
    await gracefulShutdown({
      lifecycle,
      logger: t.runtime.logger,
      sleep: async (ms) => void events.push(`sleep ${ms} phase=${lifecycle.phase}`),
      stopServer: async () => void events.push(`stopServer phase=${lifecycle.phase}`),
      stopServices: async () => void events.push('stopServices'),
    });
    expect(events).toEqual(['sleep 1500 phase=lameduck', 'stopServer phase=lameduck', 'stopServices']);
    expect(lifecycle.phase).toBe('stopped');
  });

  it('skips the sleep without lameduck and still stops the services when the server fails to stop', async () => {
    const t = testRuntime();
    const lifecycle = new Lifecycle();
    const events: string[] = [];
    await expect(
      gracefulShutdown({
        lifecycle,
        logger: t.runtime.logger,
        sleep: async () => void events.push('sleep'),
        stopServer: async () => {
          throw new Error('socket');
        },
        stopServices: async () => void events.push('stopServices'),
      }),
    ).rejects.toThrow('socket');
    expect(events).toEqual(['stopServices']);
    expect(lifecycle.phase).toBe('stopped');
  });
});
