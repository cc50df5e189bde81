import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseKubeTime } from '../../src/reconciler/clock.js';
import { LeaderElector, type LeaseClient } from '../../src/reconciler/leader-election.js';
import type { Lease } from '../../src/reconciler/objects.js';
import { FakeClock } from './fake-clock.js';

const logger = pino({ level: 'silent' });

/** One stored Lease with resourceVersion checks; each candidate's view can be cut off. */
class LeaseStore {
  lease: Lease | null = null;
  rv = 0;
  writes = 0;
  client(cut: { off: boolean }): LeaseClient {
    const fail = () => {
      if (cut.off) throw Object.assign(new Error('connection refused'), { statusCode: 0 });
    };
    return {
      get: async () => {
        fail();
        return this.lease === null ? null : structuredClone(this.lease);
      },
      create: async (l) => {
        fail();
        if (this.lease !== null) throw Object.assign(new Error('exists'), { statusCode: 409 });
        this.writes++;
        this.lease = { ...l, metadata: { ...l.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.lease);
      },
      update: async (l) => {
        fail();
        if (this.lease === null) throw Object.assign(new Error('not found'), { statusCode: 404 });
        if (l.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) {
          throw Object.assign(new Error('conflict'), { statusCode: 409 });
        }
        this.writes++;
        this.lease = { ...l, metadata: { ...l.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.lease);
      },
    };
  }
}

function candidate(store: LeaseStore, clock: FakeClock, identity: string) {
  const cut = { off: false };
  const events: string[] = [];
  const elector = new LeaderElector({
    client: store.client(cut),
    namespace: 'clusterset-system',
    name: 'clusterset-reconciler',
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
    logger,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
  });
  return { elector, cut, events };
}

describe('LeaderElector', () => {
  it('acquires an absent lease and renews it every retry period', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await clock.advance(0);
    expect(a.elector.isLeader()).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    const firstRenew = parseKubeTime(store.lease?.spec?.renewTime);
    await clock.advance(6_000);
    expect(parseKubeTime(store.lease?.spec?.renewTime)).toBeGreaterThan(firstRenew);
    expect(a.events).toEqual(['started']);
    await a.elector.stop();
  });

  it('never lets two candidates lead at once, and a standby takes over within one lease duration', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.elector.start();
    b.elector.start();
    for (let i = 0; i < 30; i++) {
      await clock.advance(500);
      expect(a.elector.isLeader() && b.elector.isLeader()).toBe(false);
    }
    const [leader, standby] = a.elector.isLeader() ? [a, b] : [b, a];
    expect(leader.elector.isLeader()).toBe(true);
    expect(standby.elector.isLeader()).toBe(false);

    // The leader dies (no more renewals, no release).
    const diedAt = clock.now();
    leader.cut.off = true;
    let tookOverAt = 0;
    for (let i = 0; i < 200 && tookOverAt === 0; i++) {
      await clock.advance(100);
      expect(leader.elector.isLeader() && standby.elector.isLeader()).toBe(false);
      if (standby.elector.isLeader()) tookOverAt = clock.now();
    }
    expect(tookOverAt).toBeGreaterThan(0);
    // Last renewal was at most one retry period before death; expiry + at most one jittered retry period.
    expect(tookOverAt - diedAt).toBeLessThanOrEqual(15_000 + 2_400);
    expect(store.lease?.spec?.leaseTransitions).toBe(1);
    expect(store.lease?.spec?.holderIdentity).toBe(standby === a ? 'a' : 'b');
    await a.elector.stop();
    await b.elector.stop();
  });

  it('a leader that cannot renew steps down by renewDeadline, aborting its signal', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await clock.advance(0);
    const signal = a.elector.signal();
    expect(signal.aborted).toBe(false);
    a.cut.off = true;
    const cutAt = clock.now();
    while (a.elector.isLeader() && clock.now() - cutAt < 20_000) await clock.advance(250);
    expect(clock.now() - cutAt).toBeLessThanOrEqual(10_000);
    expect(signal.aborted).toBe(true);
    expect(a.events).toEqual(['started', 'stopped']);
    await a.elector.stop();
  });

  it('does not take a lease that is still being renewed by another holder', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    store.lease = {
      metadata: { name: 'clusterset-reconciler', namespace: 'clusterset-system', resourceVersion: '1' },
      spec: { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: new Date(clock.now()).toISOString(), leaseTransitions: 3 },
    };
    const b = candidate(store, clock, 'b');
    b.elector.start();
    await clock.advance(14_000);
    expect(b.elector.isLeader()).toBe(false);
    await clock.advance(4_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(store.lease?.spec?.leaseTransitions).toBe(4);
    await b.elector.stop();
  });

  it('releases the lease on stop so a standby need not wait', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.elector.start();
    await clock.advance(0);
    b.elector.start();
    await clock.advance(100);
    expect(a.elector.isLeader()).toBe(true);
    await a.elector.stop();
    await a.elector.stop();
    expect(store.lease?.spec?.holderIdentity).toBe('');
    await clock.advance(2_500);
    expect(b.elector.isLeader()).toBe(true);
    await b.elector.stop();
  });
});
