// The Kubernetes API source of the multicluster plugin: three resilient informers (ServiceImports
// in all namespaces, EndpointSlices carrying the MCS service-name label, Namespaces) feeding one
// SnapshotStore, one commit per informer batch so equivalent updates publish nothing; objects are
// converted as they arrive and the informers keep only their identities. It owns when the data
// counts as synced (all three caches listed once) and as stale (an informer lost the API; the
// data is kept and served, never flushed), and says both in logs and metrics.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Backoff, DEFAULT_BACKOFF } from '../k8s/backoff.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApiConnection } from '../k8s/connection.js';
import { Informer, type InformerClock, type InformerEvent, type InformerOptions, type InformerState, type ResourcePath } from '../k8s/informer.js';
import { LABEL_SERVICE_NAME, MCS_GROUP } from './convert.js';
import { applyBatch, convertOnArrival, type ConvertedObject, type SkippedObject, type WatchedResource } from './kubernetes-apply.js';
import { discoverImportVersion } from './kubernetes-discovery.js';
import { registerSourceMetrics } from './kubernetes-metrics.js';
import { programmingLatencyHistogram, serviceKind } from './kubernetes-programming-latency.js';
import type { ObjectSnapshot, ObjectSource } from './model.js';
import { SnapshotStore } from './snapshot-store.js';

/** Informer timings a deployment (or a test) may change; the informer's defaults otherwise. */
export type KubernetesInformerTuning = Partial<
  Pick<InformerOptions, 'idleTimeoutMs' | 'resyncMs' | 'backoff' | 'watchTimeoutSeconds' | 'requestTimeoutMs' | 'pageSize'>
>;

export interface KubernetesSourceOptions {
  readonly connection: ApiConnection;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly clock?: InformerClock;
  readonly informerOptions?: KubernetesInformerTuning;
  /**
   * Gives back the heap a large first list left committed (heap-trim.ts's heapTrimmer). Called when
   * the first full sync completes, if the lists held at least TRIM_MIN_OBJECTS objects (the pages
   * are converted and the zone built by then, since listeners run inside the commit), and every
   * TRIM_EVERY_OBJECTS objects converted before that, which keeps the peak down. All of it comes
   * before the source says it is synced, so before the server is ready (unless startup_timeout let
   * it answer early, SERVFAIL for what is not known yet): the pauses (0.1-0.4 s each at 10k
   * services) cost sync time. Absent: nothing is done.
   */
  readonly trimHeap?: () => boolean;
}

/** Below this many listed objects the list's garbage is too small to be worth a blocking full GC. */
export const TRIM_MIN_OBJECTS = 1000;
/** During the first sync, one trim per this many converted objects (see countingDuringFirstSync). */
export const TRIM_EVERY_OBJECTS = 2500;

const RESOURCES: readonly WatchedResource[] = ['serviceimports', 'endpointslices', 'namespaces'];

const systemClock: InformerClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

export class KubernetesSource implements ObjectSource {
  private readonly store: SnapshotStore;
  private readonly logger: Logger;
  private readonly clock: InformerClock;
  private readonly informers = new Map<WatchedResource, Informer<ConvertedObject>>();
  private readonly syncedResources = new Set<WatchedResource>();
  /** Resources that lost the API, with the last time it answered for them. */
  private readonly staleSince = new Map<WatchedResource, number>();
  private readonly discoveryAbort = new AbortController();
  private readonly programmingLatency: ReturnType<typeof programmingLatencyHistogram>;
  private discovering: Promise<void> | null = null;
  private unregisterMetrics: (() => void) | null = null;
  private started = false;
  private stopped = false;
  private startedAt = 0;
  private convertedSinceTrim = 0;

  constructor(private readonly options: KubernetesSourceOptions) {
    this.logger = options.logger.child({ source: 'kubernetes', server: options.connection.server.href.replace(/\/+$/, '') });
    this.clock = options.clock ?? systemClock;
    this.store = new SnapshotStore({
      onListenerError: (err) => this.logger.error({ err }, 'snapshot listener failed'),
    });
    this.programmingLatency = programmingLatencyHistogram(options.metrics);
  }

  current(): ObjectSnapshot {
    return this.store.current();
  }

  /** True once ServiceImports, EndpointSlices and Namespaces have each been listed once. */
  synced(): boolean {
    return this.syncedResources.size === RESOURCES.length;
  }

  /** True while any informer has lost the API (the last known data is being served). */
  stale(): boolean {
    return this.staleSince.size > 0;
  }

  subscribe(listener: (snapshot: ObjectSnapshot) => void): () => void {
    return this.store.subscribe(listener);
  }

  /**
   * Starts discovery and the informers in the background and resolves at once: the API may be
   * down, and the plugin decides how long to wait for synced().
   */
  start(): Promise<void> {
    if (this.started || this.stopped) return Promise.resolve();
    this.started = true;
    this.startedAt = this.clock.now();
    this.unregisterMetrics = registerSourceMetrics(this.options.metrics, {
      stale: () => new Map([['', this.stale() ? 1 : 0]]),
      lastSync: () => this.lastSyncSeconds(),
      objects: () => this.objectCounts(),
    });
    this.run('namespaces', { group: '', version: 'v1', plural: 'namespaces' });
    this.run('endpointslices', { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' }, LABEL_SERVICE_NAME);
    this.discovering = this.discoverThenWatchImports().catch((err: unknown) =>
      this.logger.error({ err }, 'ServiceImport discovery failed for good'),
    );
    return Promise.resolve();
  }

  /** Stops discovery and every informer; the data stays readable. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.discoveryAbort.abort();
    await this.discovering;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.unregisterMetrics?.();
    this.unregisterMetrics = null;
  }

  private async discoverThenWatchImports(): Promise<void> {
    const tuning = this.options.informerOptions ?? {};
    const version = await discoverImportVersion({
      connection: this.options.connection,
      logger: this.logger,
      clock: this.clock,
      backoff: new Backoff(tuning.backoff ?? DEFAULT_BACKOFF),
      signal: this.discoveryAbort.signal,
      requestTimeoutMs: tuning.requestTimeoutMs ?? 30_000,
      onFailure: () => this.markStale('serviceimports', this.startedAt),
    });
    if (version === null || this.stopped) return;
    this.logger.info({ version }, `watching ServiceImports in ${MCS_GROUP}/${version}`);
    this.run('serviceimports', { group: MCS_GROUP, version, plural: 'serviceimports' });
  }

  /** Builds, wires and starts one informer. */
  private run(resource: WatchedResource, path: ResourcePath, labelSelector?: string): void {
    const informer = new Informer<ConvertedObject>({
      connection: this.options.connection,
      path,
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      logger: this.logger,
      clock: this.clock,
      ...this.options.informerOptions,
      // Objects are converted as they arrive; the informer keeps their identity only.
      transform: this.countingDuringFirstSync(convertOnArrival(resource)),
    });
    this.informers.set(resource, informer);
    informer.onBatch((events) => {
      applyBatch(this.store, resource, events, (skipped) => this.reportSkipped(skipped));
      this.store.commit();
      if (resource === 'endpointslices') this.observeProgramming(events);
    });
    informer.onState((state) => this.onState(resource, state));
    void informer.start();
  }

  /** After a batch of slices is published: how long since each change was triggered. */
  private observeProgramming(events: readonly InformerEvent<ConvertedObject>[]): void {
    const synced = this.synced();
    const now = this.clock.now();
    const imports = this.store.current().imports;
    for (const e of events) {
      const trigger = e.object.trigger;
      if (trigger === undefined) continue;
      e.object.trigger = undefined;
      const imp = imports.get(trigger.service);
      if (!synced || e.type === 'delete' || imp === undefined) continue;
      this.programmingLatency.observe({ service_kind: serviceKind(imp.type) }, Math.max(0, now - trigger.time) / 1000);
    }
  }

  private onState(resource: WatchedResource, state: InformerState): void {
    switch (state.state) {
      case 'stale':
        this.markStale(resource, state.since);
        return;
      case 'error':
        return;
      case 'synced':
        if (!this.syncedResources.has(resource) && this.syncedResources.size === RESOURCES.length - 1) {
          // The last cache's first list is in: trim while synced() still says false.
          this.trimHeapAfterFirstSync();
        }
        this.syncedResources.add(resource);
        this.logger.debug({ resource }, `${resource} cache synced`);
        if (this.synced()) {
          this.logger.info(
            { ms: this.clock.now() - this.startedAt, version: this.store.current().version },
            `multicluster caches synced: ${RESOURCES.join(', ')}`,
          );
        }
        this.markFresh(resource);
        return;
      case 'watching':
        this.markFresh(resource);
        return;
    }
  }

  /**
   * The transform, plus a trim every TRIM_EVERY_OBJECTS objects converted before the first sync:
   * the young generation grows with every converted record that survives, and a large first list
   * would otherwise take it to its maximum (the process's peak RSS) before trimHeapAfterFirstSync
   * gives it back. Nothing is served from this data yet, so the pauses cost only sync time.
   */
  private countingDuringFirstSync(convert: (obj: KubernetesObject) => ConvertedObject): (obj: KubernetesObject) => ConvertedObject {
    return (obj) => {
      const converted = convert(obj);
      if (this.options.trimHeap !== undefined && !this.synced() && ++this.convertedSinceTrim >= TRIM_EVERY_OBJECTS) {
        this.convertedSinceTrim = 0;
        this.options.trimHeap();
      }
      return converted;
    };
  }

  private trimHeapAfterFirstSync(): void {
    const trim = this.options.trimHeap;
    if (trim === undefined) return;
    const counts = this.objectCounts();
    const objects = (counts.get('imports') ?? 0) + (counts.get('endpointslices') ?? 0) + (counts.get('namespaces') ?? 0);
    if (objects < TRIM_MIN_OBJECTS) return;
    const before = process.memoryUsage.rss();
    const started = this.clock.now();
    if (!trim()) return;
    const mb = (bytes: number): number => Math.round(bytes / 104857.6) / 10;
    this.logger.info(
      { objects, ms: this.clock.now() - started, rssMbBefore: mb(before), rssMbAfter: mb(process.memoryUsage.rss()) },
      'heap left by the first list given back',
    );
  }

  private markStale(resource: WatchedResource, since: number): void {
    if (this.staleSince.has(resource)) return;
    const wasStale = this.stale();
    this.staleSince.set(resource, since);
    if (wasStale) return;
    this.logger.warn(
      { resource, since: new Date(since).toISOString(), synced: this.synced() },
      this.synced()
        ? `kubernetes API unreachable: serving the last known data, stale since ${new Date(since).toISOString()}`
        : `kubernetes API unreachable before the first sync (since ${new Date(since).toISOString()}); names not known yet get SERVFAIL`,
    );
  }

  private markFresh(resource: WatchedResource): void {
    const since = this.staleSince.get(resource);
    if (since === undefined) return;
    this.staleSince.delete(resource);
    if (this.stale()) return;
    this.logger.info(
      { resource, staleForMs: this.clock.now() - since },
      'kubernetes API reachable again: data is current',
    );
  }

  private reportSkipped(s: SkippedObject): void {
    const fields = { kind: s.kind, namespace: s.namespace, name: s.name, reason: s.reason };
    const what = `${s.kind} ${s.namespace === '' ? '' : `${s.namespace}/`}${s.name}`;
    if (s.severity === 'invalid') this.logger.warn(fields, `${what} skipped: ${s.reason}`);
    else this.logger.debug(fields, `${what} not served: ${s.reason}`);
  }

  private lastSyncSeconds(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [resource, informer] of this.informers) {
      const at = informer.lastSuccess();
      if (at !== null) out.set(resource, at / 1000);
    }
    return out;
  }

  private objectCounts(): ReadonlyMap<string, number> {
    const snap = this.store.current();
    let slices = 0;
    let endpoints = 0;
    for (const group of snap.slices.values()) {
      slices += group.length;
      for (const slice of group) endpoints += slice.endpoints.length;
    }
    return new Map([
      ['imports', snap.imports.size],
      ['endpointslices', slices],
      ['namespaces', snap.namespaces.size],
      ['endpoints', endpoints],
    ]);
  }
}
