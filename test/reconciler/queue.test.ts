import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/reconciler/queue.js';
import { ExponentialBackoff, MaxOfRateLimiter, TokenBucket } from '../../src/reconciler/rate-limiter.js';
import { FakeClock } from './fake-clock.js';

function queue(clock = new FakeClock()) {
  return { clock, q: new WorkQueue(clock, new ExponentialBackoff(5, 1000)) };
}

describe('WorkQueue', () => {
  it('de-duplicates waiting keys', async () => {
    const { q } = queue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('low-priority keys wait behind normal ones; a normal add moves a low key up; a low add never moves one down', async () => {
    const { q } = queue();
    for (const k of ['bulk1', 'bulk2', 'bulk3']) q.add(k, 'low');
    q.add('change');
    q.add('bulk2');
    q.add('change', 'low');
    expect(q.len()).toBe(4);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const k = (await q.get()) as string;
      order.push(k);
      q.done(k);
    }
    expect(order).toEqual(['change', 'bulk2', 'bulk1', 'bulk3']);
    expect(q.len()).toBe(0);
    // A key re-added at low priority while processing runs again at low priority; at normal, at normal.
    q.add('x', 'low');
    const x = (await q.get()) as string;
    q.add('x', 'low');
    q.add('y');
    q.done(x);
    expect(await q.get()).toBe('y');
    expect(await q.get()).toBe('x');
  });

  it('never hands out a key being processed; a re-add during processing runs again after done', async () => {
    const { q } = queue();
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a');
    expect(q.len()).toBe(0); // held back while processing
    q.add('b');
    expect(await q.get()).toBe('b');
    q.done('b');
    q.done('a');
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('wakes a waiting worker and returns null after shutDown', async () => {
    const { q } = queue();
    const waiting = q.get();
    q.add('x');
    expect(await waiting).toBe('x');
    const waiting2 = q.get();
    q.shutDown();
    expect(await waiting2).toBeNull();
    q.shutDown();
  });

  it('addAfter fires on the clock, keeping the earliest', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    await clock.advance(49);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    await clock.advance(1000);
    expect(q.len()).toBe(1);
  });

  it('rate-limited retries back off exponentially per key and forget resets', async () => {
    const { q, clock } = queue();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      for (let step = 0; step < 100 && q.len() === 0; step++) await clock.advance(1);
      delays.push(clock.now() - start);
      expect(await q.get()).toBe('k');
      q.done('k');
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(q.failures('k')).toBe(4);
    q.forget('k');
    expect(q.failures('k')).toBe(0);
  });
});

describe('rate limiters', () => {
  it('exponential backoff caps at the maximum', () => {
    const b = new ExponentialBackoff(5, 1_000_000);
    const seen = Array.from({ length: 30 }, () => b.when('k'));
    expect(seen.slice(0, 3)).toEqual([5, 10, 20]);
    expect(seen.at(-1)).toBe(1_000_000);
    expect(b.when('other')).toBe(5);
  });

  it('token bucket allows a burst then paces at qps', async () => {
    const clock = new FakeClock();
    const t = new TokenBucket(10, 3, clock);
    expect([t.when(), t.when(), t.when()]).toEqual([0, 0, 0]);
    expect(t.when()).toBe(100);
    expect(t.when()).toBe(200);
    await clock.advance(1000);
    expect(t.when()).toBe(0);
  });

  it('max-of takes the slower limiter', () => {
    const clock = new FakeClock();
    const l = new MaxOfRateLimiter(new ExponentialBackoff(5, 1000), new TokenBucket(1, 1, clock));
    expect(l.when('a')).toBe(5);
    expect(l.when('b')).toBe(1000);
  });
});
