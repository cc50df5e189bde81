// One member cluster as the controller sees it: its caches, its REST client, its effective cluster
// id (ClusterProperty `cluster.clusterset.k8s.io` first, else the configured id), the MCS API
// version it serves (discovered, v1beta1 preferred, unless the config fixes one) and whether its
// API answers. Reachability comes from a cheap periodic probe, so that it is known even when no
// watch event arrives; after `unreachableGracePeriod` without an answer the cluster's endpoints
// are withdrawn (its exports still count), and they return with it.

import type { Logger } from 'pino';
import { cacheSpecs, MCS_ROLES, NOT_YET_DISCOVERED, type CacheEvent, type CacheFactory, type CacheRole, type ResourceCache } from './caches.js';
import type { Clock, TimerHandle } from './clock.js';
import type { ClusterState } from './desired/plan.js';
import { chooseMcsVersion, MCS_API_GROUP, type McsVersion } from '../k8s/mcs-version.js';
import { KubeApiError, statusCodeOf, type KubeRest } from './kube-rest.js';
import { ExportedObjects } from './exported-objects.js';
import { CLUSTER_ID_PROPERTY, LABEL_MCS_SERVICE_NAME, LABEL_SERVICE_NAME, type KubeObject } from './objects.js';
import { SliceIndex } from './slice-index.js';

export interface MemberClusterOptions {
  /** The config id (names the connection in logs and metrics). */
  readonly name: string;
  readonly rest: KubeRest;
  readonly cacheFactory: CacheFactory;
  /** Null: discover the version the API server serves. */
  readonly mcsApiVersion: McsVersion | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly unreachableGracePeriodMs: number;
  readonly probeIntervalMs?: number;
  /** Called on every cache batch, with the role of the cache. */
  readonly onEvents: (cluster: MemberCluster, role: CacheRole, events: ReadonlyArray<CacheEvent<KubeObject>>) => void;
  /** Called when reachability or the grace state changes (the controller then re-queues everything). */
  readonly onStateChange: (cluster: MemberCluster, state: ClusterState) => void;
  readonly onProbe?: (cluster: MemberCluster, ok: boolean) => void;
  /** A fetch of an exported Service kept as identity only ended: look at its key again. */
  readonly onHydrated?: (cluster: MemberCluster, namespace: string, name: string, ok: boolean) => void;
}

/** Started once the cluster's ServiceExports are known, so that they arrive whole or as identity only from the first list. */
const AFTER_EXPORTS: ReadonlySet<CacheRole> = new Set(['services', 'sourceSlices']);

/** Probe interval while the cluster is unreachable. */
const UNREACHABLE_PROBE_MS = 500;

const OPTIONAL_ROLES: ReadonlySet<CacheRole> = new Set(['clusterProperties']);

export class MemberCluster {
  readonly name: string;
  readonly rest: KubeRest;
  private cacheByRole: Record<CacheRole, ResourceCache>;
  private version: McsVersion | null;
  private unreachableSince: number | null = null;
  private lastOk = 0;
  private probeTimer: TimerHandle | null = null;
  private graceTimer: TimerHandle | null = null;
  private discoveryTimer: TimerHandle | null = null;
  private discoveryFailures = 0;
  private lastState: ClusterState = 'ready';
  private running = false;
  private probing: Promise<void> | null = null;
  private discovering: Promise<void> | null = null;
  private deferredTimer: TimerHandle | null = null;
  private deferredStarted = false;
  /** Source and imported slices by service, kept from the caches' events. */
  readonly sourceSliceIndex = new SliceIndex(LABEL_SERVICE_NAME);
  readonly importedSliceIndex = new SliceIndex(LABEL_MCS_SERVICE_NAME);
  readonly exported: ExportedObjects;

  constructor(private readonly opts: MemberClusterOptions) {
    this.name = opts.name;
    this.rest = opts.rest;
    this.version = opts.mcsApiVersion;
    this.exported = new ExportedObjects({
      rest: opts.rest,
      isExported: (namespace, name) => this.cacheByRole.serviceExports.get(namespace, name) !== undefined,
      onHydrated: (namespace, name, ok) => opts.onHydrated?.(this, namespace, name, ok),
    });
    const specs = cacheSpecs(this.version ?? 'v1beta1');
    const caches = {} as Record<CacheRole, ResourceCache>;
    for (const role of Object.keys(specs) as CacheRole[]) {
      caches[role] = this.version === null && MCS_ROLES.includes(role) ? NOT_YET_DISCOVERED : this.makeCache(role, this.version ?? 'v1beta1');
    }
    this.cacheByRole = caches;
  }

  get caches(): Readonly<Record<CacheRole, ResourceCache>> {
    return this.cacheByRole;
  }

  /**
   * False once a status write showed that this cluster's ServiceImport schema has no
   * status.conditions (an older CRD prunes them): they are not written there any more.
   */
  importConditions = true;

  /** The MCS API version this cluster is read and written in; null until discovered. */
  mcsApiVersion(): McsVersion | null {
    return this.version;
  }

  /** The MCS cluster id: ClusterProperty first, else the configured id. */
  clusterId(): string {
    const prop = this.caches.clusterProperties.get('', CLUSTER_ID_PROPERTY);
    const value = (prop?.['spec'] as { value?: unknown } | undefined)?.value;
    return typeof value === 'string' && value !== '' ? value : this.name;
  }

  state(): ClusterState {
    if (this.unreachableSince === null) return 'ready';
    return this.opts.clock.now() - this.unreachableSince < this.opts.unreachableGracePeriodMs ? 'stale' : 'withdrawn';
  }

  /** Every required cache completed its first list. */
  synced(): boolean {
    return (Object.keys(this.caches) as CacheRole[]).every((r) => OPTIONAL_ROLES.has(r) || this.caches[r].synced());
  }

  lastSuccess(): number {
    return this.lastOk;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await Promise.all(
      (Object.keys(this.cacheByRole) as CacheRole[]).filter((r) => !AFTER_EXPORTS.has(r)).map((r) => this.cacheByRole[r].start()),
    );
    if (this.version === null) this.scheduleDiscovery(0);
    this.startAfterExports();
    this.scheduleProbe(0);
  }

  private startAfterExports(): void {
    if (!this.running || this.deferredStarted) return;
    if (!this.cacheByRole.serviceExports.synced()) {
      this.deferredTimer = this.opts.clock.setTimer(() => this.startAfterExports(), 20);
      return;
    }
    this.deferredStarted = true;
    for (const r of AFTER_EXPORTS) void this.cacheByRole[r].start();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.probeTimer?.cancel();
    this.graceTimer?.cancel();
    this.discoveryTimer?.cancel();
    this.deferredTimer?.cancel();
    await Promise.all([this.probing, this.discovering, this.exported.settle()]);
    await Promise.all(Object.values(this.cacheByRole).map((c) => c.stop()));
  }

  private makeCache(role: CacheRole, version: McsVersion): ResourceCache {
    const spec = cacheSpecs(version)[role];
    const transform = role === 'services' ? this.exported.serviceTransform : role === 'sourceSlices' ? this.exported.sliceTransform : undefined;
    const cache = this.opts.cacheFactory(this.opts.name, transform === undefined ? spec : { ...spec, transform });
    const index = role === 'sourceSlices' ? this.sourceSliceIndex : role === 'importedSlices' ? this.importedSliceIndex : null;
    cache.onBatch((events) => {
      index?.apply(events);
      if (role === 'serviceExports') {
        for (const e of events) if (e.type === 'delete') this.exported.forget(e.object.metadata?.namespace ?? '', e.object.metadata?.name ?? '');
      }
      // Events come only from an API that answers.
      if (this.unreachableSince !== null) this.reportReachable(true);
      this.lastOk = this.opts.clock.now();
      this.opts.onEvents(this, role, events);
    });
    return cache;
  }

  private scheduleDiscovery(ms: number): void {
    if (!this.running) return;
    this.discoveryTimer = this.opts.clock.setTimer(() => {
      this.discovering = this.discover().finally(() => {
        this.discovering = null;
      });
    }, ms);
  }

  /** Asks the API server which MCS versions it serves; retries with backoff until it answers. */
  private async discover(): Promise<void> {
    let failure: string;
    try {
      const version = chooseMcsVersion(await this.rest.request('GET', `/apis/${MCS_API_GROUP}`));
      if (!this.running) return;
      if (version !== null) {
        this.version = version;
        const caches = { ...this.cacheByRole };
        for (const role of MCS_ROLES) caches[role] = this.makeCache(role, version);
        this.cacheByRole = caches;
        this.opts.logger.info({ cluster: this.name, version: `${MCS_API_GROUP}/${version}` }, 'member cluster MCS API version discovered');
        await Promise.all(MCS_ROLES.map((r) => caches[r].start()));
        return;
      }
      failure = `${MCS_API_GROUP} serves neither v1beta1 nor v1alpha1`;
    } catch (err) {
      if (!this.running) return;
      failure =
        statusCodeOf(err) === 404 ? `${MCS_API_GROUP} is not served (are the MCS API CRDs installed?)` : err instanceof Error ? err.message : String(err);
    }
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.discoveryFailures++, 6));
    this.opts.logger.warn({ cluster: this.name, err: failure, retryInMs: delay }, 'member cluster MCS API discovery failed; retrying');
    this.scheduleDiscovery(delay);
  }

  /** Records the outcome of any request to this cluster (probes and writes). */
  reportReachable(ok: boolean): void {
    const now = this.opts.clock.now();
    if (ok) {
      this.lastOk = now;
      if (this.unreachableSince !== null) {
        this.opts.logger.info({ cluster: this.name, downMs: now - this.unreachableSince }, 'member cluster reachable again');
        this.unreachableSince = null;
        this.graceTimer?.cancel();
        this.graceTimer = null;
      }
    } else if (this.unreachableSince === null) {
      this.unreachableSince = now;
      this.opts.logger.warn({ cluster: this.name, graceMs: this.opts.unreachableGracePeriodMs }, 'member cluster unreachable');
      this.graceTimer = this.opts.clock.setTimer(() => this.emitState(), this.opts.unreachableGracePeriodMs);
      // Seen down by a failed write or watch: probe at the short interval from now on.
      if (this.probing === null && this.running) {
        this.probeTimer?.cancel();
        this.scheduleProbe(UNREACHABLE_PROBE_MS);
      }
    }
    this.emitState();
  }

  private emitState(): void {
    const s = this.state();
    if (s === this.lastState) return;
    this.lastState = s;
    if (s === 'withdrawn') this.opts.logger.warn({ cluster: this.name }, 'grace period over: withdrawing the cluster\'s endpoints');
    this.opts.onStateChange(this, s);
  }

  private scheduleProbe(ms: number): void {
    if (!this.running) return;
    this.probeTimer = this.opts.clock.setTimer(() => {
      this.probing = this.probe().finally(() => {
        this.probing = null;
        // While it is down, ask more often: its endpoints come back as soon as it answers.
        const every = this.opts.probeIntervalMs ?? 5_000;
        this.scheduleProbe(this.unreachableSince === null ? every : Math.min(every, UNREACHABLE_PROBE_MS));
      });
    }, ms);
  }

  private async probe(): Promise<void> {
    let ok = false;
    try {
      await this.rest.request('GET', '/api/v1/namespaces?limit=1');
      ok = true;
    } catch (err) {
      // An answer that refuses us (403, 404) still proves the API is up.
      ok = err instanceof KubeApiError && err.statusCode > 0 && err.statusCode < 500;
    }
    if (!this.running) return;
    this.opts.onProbe?.(this, ok);
    this.reportReachable(ok);
  }
}
