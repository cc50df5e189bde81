// The Kubernetes API source of the multicluster plugin: three resilient informers (ServiceImports
// in all namespaces, EndpointSlices carrying the MCS service-name label, Namespaces), and when
// asked a fourth on the ClusterProperty `cluster.clusterset.k8s.io` (the local cluster id), feeding
// one SnapshotStore, one commit per informer batch so equivalent updates publish nothing; objects
// are converted as they arrive and the informers keep only their identities. It owns when the data
// counts as synced (every cache listed once; an API without clusterproperties counts as listed,
// with no local cluster) and as stale (an informer lost the API; the data is kept and served,
// never flushed), and says both in logs and metrics.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Backoff, DEFAULT_BACKOFF } from '../k8s/backoff.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApiConnection } from '../k8s/connection.js';
import { Informer, type InformerClock, type InformerEvent, type InformerOptions, type InformerState, type ResourcePath } from '../k8s/informer.js';
import { ABOUT_GROUP, CLUSTER_ID_PROPERTY, LABEL_SERVICE_NAME, MCS_GROUP } from './convert.js';
import { applyBatch, convertOnArrival, type ConvertedObject, type SkippedObject, type WatchedResource } from './kubernetes-apply.js';
import { abortableSleep, CLUSTER_PROPERTY_VERSION, discoverClusterProperties, discoverImportVersion, type DiscoveryOptions } from './kubernetes-discovery.js';
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
  /**
   * Also watch the ClusterProperty `cluster.clusterset.k8s.io` (about.k8s.io/v1alpha1), whose
   * spec.value becomes the snapshots' localCluster (`local_cluster` without an id). When the API
   * does not serve clusterproperties there is no local cluster; discovery looks again every resync
   * interval (informerOptions.resyncMs, default 10 min), so a CRD installed later is found.
   */
  readonly watchClusterProperty?: boolean;
}

/** Below this many listed objects the list's garbage is too small to be worth a blocking full GC. */
export const TRIM_MIN_OBJECTS = 1000;
/** During the first sync, one trim per this many converted objects (see countingDuringFirstSync). */
export const TRIM_EVERY_OBJECTS = 2500;

const RESOURCES: readonly WatchedResource[] = ['serviceimports', 'endpointslices', 'namespaces'];
const DEFAULT_RESYNC_MS = 600_000;

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
  /** The resources whose first list synced() waits for. */
  private readonly resources: readonly WatchedResource[];
  private readonly informers = new Map<WatchedResource, Informer<ConvertedObject>>();
  private readonly syncedResources = new Set<WatchedResource>();
  /** Resources that lost the API, with the last time it answered for them. */
  private readonly staleSince = new Map<WatchedResource, number>();
  private readonly discoveryAbort = new AbortController();
  private readonly programmingLatency: ReturnType<typeof programmingLatencyHistogram>;
  private discovering: Promise<void> | null = null;
  private findingClusterProperty: Promise<void> | null = null;
  private unregisterMetrics: (() => void) | null = null;
  private started = false;
  private stopped = false;
  private startedAt = 0;
  private convertedSinceTrim = 0;

  constructor(private readonly options: KubernetesSourceOptions) {
    this.logger = options.logger.child({ source: 'kubernetes', server: options.connection.server.href.replace(/\/+$/, '') });
    this.clock = options.clock ?? systemClock;
    this.resources = options.watchClusterProperty === true ? [...RESOURCES, 'clusterproperties'] : RESOURCES;
    this.store = new SnapshotStore({
      onListenerError: (err) => this.logger.error({ err }, 'snapshot listener failed'),
    });
    this.programmingLatency = programmingLatencyHistogram(options.metrics);
  }

  current(): ObjectSnapshot {
    return this.store.current();
  }

  /**
   * True once ServiceImports, EndpointSlices and Namespaces (and, when watched, the ClusterProperty,
   * or discovery found none served) have each been listed once.
   */
  synced(): boolean {
    return this.syncedResources.size === this.resources.length;
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
    this.run('endpointslices', { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' }, { labelSelector: LABEL_SERVICE_NAME });
    this.discovering = this.discoverThenWatchImports().catch((err: unknown) =>
      this.logger.error({ err }, 'ServiceImport discovery failed for good'),
    );
    if (this.resources.includes('clusterproperties')) {
      this.findingClusterProperty = this.discoverThenWatchClusterProperty().catch((err: unknown) =>
        this.logger.error({ err }, 'ClusterProperty discovery failed for good'),
      );
    }
    return Promise.resolve();
  }

  /** Stops discovery and every informer; the data stays readable. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.discoveryAbort.abort();
    await this.discovering;
    await this.findingClusterProperty;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.unregisterMetrics?.();
    this.unregisterMetrics = null;
  }

  private discoveryOptions(resource: WatchedResource): DiscoveryOptions {
    const tuning = this.options.informerOptions ?? {};
    return {
      connection: this.options.connection,
      logger: this.logger,
      clock: this.clock,
      backoff: new Backoff(tuning.backoff ?? DEFAULT_BACKOFF),
      signal: this.discoveryAbort.signal,
      requestTimeoutMs: tuning.requestTimeoutMs ?? 30_000,
      onFailure: () => this.markStale(resource, this.startedAt),
    };
  }

  private async discoverThenWatchImports(): Promise<void> {
    const version = await discoverImportVersion(this.discoveryOptions('serviceimports'));
    if (version === null || this.stopped) return;
    this.logger.info({ version }, `watching ServiceImports in ${MCS_GROUP}/${version}`);
    this.run('serviceimports', { group: MCS_GROUP, version, plural: 'serviceimports' });
  }

  /**
   * Watches the one ClusterProperty that names the local cluster, once discovery finds the
   * resource served. Until then there is no local cluster, which counts as synced (answers are
   * those without `local_cluster`), and discovery looks again every resync interval.
   */
  private async discoverThenWatchClusterProperty(): Promise<void> {
    const what = `clusterproperties.${ABOUT_GROUP}/${CLUSTER_PROPERTY_VERSION}`;
    const recheckMs = this.options.informerOptions?.resyncMs ?? DEFAULT_RESYNC_MS;
    let said = false;
    for (;;) {
      const served = await discoverClusterProperties(this.discoveryOptions('clusterproperties'));
      if (served === null || this.stopped) return;
      if (served) break;
      if (!said) {
        said = true;
        this.logger.info(
          { resource: what },
          `${what} is not served: no local cluster, headless answers list every cluster's endpoints` +
            (recheckMs > 0 ? `; looking again every ${Math.round(recheckMs / 1000)} s` : ''),
        );
        this.onState('clusterproperties', { state: 'synced' });
      }
      if (recheckMs <= 0) return;
      await abortableSleep(this.clock, recheckMs, this.discoveryAbort.signal);
    }
    this.logger.info(`watching ClusterProperty ${CLUSTER_ID_PROPERTY} in ${ABOUT_GROUP}/${CLUSTER_PROPERTY_VERSION} for the local cluster id`);
    this.run(
      'clusterproperties',
      { group: ABOUT_GROUP, version: CLUSTER_PROPERTY_VERSION, plural: 'clusterproperties' },
      { fieldSelector: `metadata.name=${CLUSTER_ID_PROPERTY}` },
    );
  }

  /** Builds, wires and starts one informer. */
  private run(resource: WatchedResource, path: ResourcePath, selectors: { labelSelector?: string; fieldSelector?: string } = {}): void {
    const informer = new Informer<ConvertedObject>({
      connection: this.options.connection,
      path,
      ...selectors,
      logger: this.logger,
      clock: this.clock,
      ...this.options.informerOptions,
      // Objects are converted as they arrive; the informer keeps their identity only.
      transform: this.countingDuringFirstSync(convertOnArrival(resource)),
    });
    this.informers.set(resource, informer);
    informer.onBatch((events) => {
      const localBefore = this.store.current().localCluster;
      applyBatch(this.store, resource, events, (skipped) => this.reportSkipped(skipped));
      this.store.commit();
      if (resource === 'endpointslices') this.observeProgramming(events);
      if (resource === 'clusterproperties') this.reportLocalCluster(localBefore);
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
        // The informer's first list (it says 'synced' once); before it existed, discovery may have
        // marked the resource synced as not served. Said once: later changes are reported as
        // they come (reportLocalCluster).
        if (resource === 'clusterproperties' && this.informers.has(resource)) {
          if (this.store.current().localCluster === null) {
            this.logger.info(`ClusterProperty ${CLUSTER_ID_PROPERTY} not found: no local cluster, headless answers list every cluster's endpoints`);
          }
        }
        if (!this.syncedResources.has(resource) && this.syncedResources.size === this.resources.length - 1) {
          // The last cache's first list is in: trim while synced() still says false.
          this.trimHeapAfterFirstSync();
        }
        this.syncedResources.add(resource);
        this.logger.debug({ resource }, `${resource} cache synced`);
        if (this.synced()) {
          this.logger.info(
            { ms: this.clock.now() - this.startedAt, version: this.store.current().version },
            `multicluster caches synced: ${this.resources.join(', ')}`,
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

  /** Says in the log when a batch of the ClusterProperty informer changed the local cluster id. */
  private reportLocalCluster(before: string | null): void {
    const now = this.store.current().localCluster;
    if (now === before) return;
    if (now === null) {
      this.logger.info(
        { was: before },
        `no local cluster any more (ClusterProperty ${CLUSTER_ID_PROPERTY} deleted or not valid): headless answers list every cluster's endpoints`,
      );
    } else {
      this.logger.info({ localCluster: now, was: before }, `local cluster is ${now} (ClusterProperty ${CLUSTER_ID_PROPERTY})`);
    }
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
