// Our own Lease-based leader elector on coordination.k8s.io/v1. A candidate takes the Lease when it
// is absent, released, or not renewed for leaseDurationSeconds since renewTime; writes carry the
// observed resourceVersion so that of two candidates racing for it only one succeeds. A leader that
// cannot renew within renewDeadline steps down at once: its AbortSignal fires and isLeader() turns
// false before any further write.

import type { Logger } from 'pino';
import { microTime, parseKubeTime, type Clock, type TimerHandle } from './clock.js';
import type { Lease } from './objects.js';

export interface LeaseClient {
  get(namespace: string, name: string): Promise<Lease | null>;
  create(lease: Lease): Promise<Lease>;
  /** Rejects with an error whose `statusCode` is 409 when the resourceVersion is stale. */
  update(lease: Lease): Promise<Lease>;
}

export interface LeaderElectorOptions {
  readonly client: LeaseClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onStartedLeading?: (signal: AbortSignal) => void;
  readonly onStoppedLeading?: () => void;
  /** Called with the holder identity whenever it is seen to change. */
  readonly onNewLeader?: (identity: string) => void;
}

export class LeaderElector {
  private leading = false;
  private lastRenew = 0;
  private abort: AbortController | null = null;
  private loopTimer: TimerHandle | null = null;
  private deadlineTimer: TimerHandle | null = null;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private observedHolder = '';

  constructor(private readonly opts: LeaderElectorOptions) {}

  /** True only while this replica holds a Lease renewed within renewDeadline. */
  isLeader(): boolean {
    return this.leading && this.opts.clock.now() - this.lastRenew < this.opts.renewDeadlineMs;
  }

  /** Aborted when the current term ends; an already-aborted signal when not leading. */
  signal(): AbortSignal {
    return this.abort?.signal ?? AbortSignal.abort();
  }

  holder(): string {
    return this.observedHolder;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stops campaigning; a leader releases the Lease so a standby can take over at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.loopTimer?.cancel();
    this.loopTimer = null;
    await this.inFlight;
    const wasLeading = this.leading;
    this.stepDown('stopping');
    if (wasLeading) await this.release().catch((err: unknown) => this.opts.logger.warn({ err }, 'could not release lease'));
  }

  private tick(): void {
    if (!this.running) return;
    this.inFlight = this.tryAcquireOrRenew()
      .catch((err: unknown) => {
        this.opts.logger.warn({ err: String(err), lease: this.opts.name }, 'lease acquire/renew failed');
      })
      .finally(() => {
        this.inFlight = null;
        if (!this.running) return;
        // Candidates add jitter (as client-go) so that standbys do not move in lock step.
        const jitter = this.leading ? 0 : Math.random() * 0.2 * this.opts.retryPeriodMs;
        this.loopTimer = this.opts.clock.setTimer(() => this.tick(), this.opts.retryPeriodMs + jitter);
      });
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { client, namespace, name, identity, clock } = this.opts;
    const now = clock.now();
    const durationSeconds = Math.max(1, Math.ceil(this.opts.leaseDurationMs / 1000));
    const current = await client.get(namespace, name);
    if (current === null) {
      const created = await client.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      });
      this.becomeLeader(now, created);
      return;
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.observe(holder);
    if (holder === identity) {
      if (!this.running) return;
      const updated = await client.update({ ...current, spec: { ...spec, renewTime: microTime(now), leaseDurationSeconds: durationSeconds } });
      this.becomeLeader(now, updated);
      return;
    }
    // Someone else holds it: if we believed we led, we no longer do.
    if (this.leading) this.stepDown(`lease now held by ${holder}`);
    const renewedAt = parseKubeTime(spec.renewTime ?? spec.acquireTime);
    const heldFor = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = holder === '' || Number.isNaN(renewedAt) || renewedAt + heldFor <= now;
    if (!expired || !this.running) return;
    try {
      const updated = await client.update({
        ...current,
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
        },
      });
      this.opts.logger.info({ lease: name, previous: holder }, 'acquired expired lease');
      this.becomeLeader(now, updated);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 409) return; // another candidate won
      throw err;
    }
  }

  private observe(holder: string): void {
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      this.opts.onNewLeader?.(holder);
    }
  }

  private becomeLeader(now: number, lease: Lease): void {
    this.observe(lease.spec?.holderIdentity ?? '');
    this.lastRenew = now;
    this.deadlineTimer?.cancel();
    this.deadlineTimer = this.opts.clock.setTimer(() => this.stepDown('could not renew within renewDeadline'), this.opts.renewDeadlineMs);
    if (this.leading) return;
    this.leading = true;
    this.abort = new AbortController();
    this.opts.logger.info({ lease: this.opts.name, identity: this.opts.identity }, 'became leader');
    this.opts.onStartedLeading?.(this.abort.signal);
  }

  private stepDown(why: string): void {
    this.deadlineTimer?.cancel();
    this.deadlineTimer = null;
    if (!this.leading) return;
    this.leading = false;
    this.abort?.abort(new Error(`leadership lost: ${why}`));
    this.abort = null;
    this.opts.logger.warn({ lease: this.opts.name, identity: this.opts.identity, reason: why }, 'stopped leading');
    this.opts.onStoppedLeading?.();
  }

  private async release(): Promise<void> {
    const current = await this.opts.client.get(this.opts.namespace, this.opts.name);
    if (current === null || current.spec?.holderIdentity !== this.opts.identity) return;
    const now = this.opts.clock.now();
    await this.opts.client.update({
      ...current,
      spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now) },
    });
  }
}
