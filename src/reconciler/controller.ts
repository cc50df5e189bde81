// The level-triggered loop: cache events become service keys in every member cluster's work queue;
// a cluster's worker takes a key, reads every member cluster's caches, asks the pure planner for
// the writes that cluster needs, applies them, and repeats on the state they produced until nothing
// is left to write there (a converged key makes zero API writes). Each cluster has its own queue,
// workers and retry limiter, so a slow or failing cluster delays only its own writes. Writes happen
// only while the leadership gate says so, checked before every write.

import type { Logger } from 'pino';
import type { CacheEvent, CacheFactory, CacheRole } from './caches.js';
import { rfc3339, type Clock, type TimerHandle } from './clock.js';
import { MemberCluster } from './clusters.js';
import type { ReconcilerConfig } from './config.js';
import { derivedNameOf } from './desired/naming.js';
import { planKey, type ClusterObservation, type ClusterState } from './desired/plan.js';
import { describeWrite, type ResourceKind, type Write } from './desired/writes.js';
import { statusCodeOf, type KubeRest, type ResourcePath } from './kube-rest.js';
import type { ReconcilerMetrics } from './metrics.js';
import {
  LABEL_MCS_SERVICE_NAME,
  LABEL_SERVICE_NAME,
  MCS_GROUP,
  type EndpointSlice,
  type KubeObject,
  type Service,
  type ServiceExport,
  type ServiceImport,
} from './objects.js';
import { WorkQueue } from './queue.js';
import { RecentWrites } from './recent-writes.js';
import { defaultRateLimiter } from './rate-limiter.js';

export interface LeadershipGate {
  isLeader(): boolean;
}

export interface MemberSpec {
  readonly name: string;
  readonly rest: KubeRest;
}

export interface ControllerOptions {
  readonly members: readonly MemberSpec[];
  readonly cacheFactory: CacheFactory;
  readonly config: Pick<
    ReconcilerConfig,
    'derivedService' | 'mcsApiVersion' | 'namespaces' | 'resyncPeriodMs' | 'retry' | 'unreachableGracePeriodMs'
  >;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: ReconcilerMetrics;
  /** Null: always leader (leader election disabled). */
  readonly leadership?: LeadershipGate | null;
  /** Workers per member cluster (default 2). */
  readonly workers?: number;
  readonly probeIntervalMs?: number;
  /** Passes within one reconcile before the key is requeued instead. */
  readonly maxRounds?: number;
}

const CONTROLLER = 'serviceimport';

class NotLeaderError extends Error {
  constructor() {
    super('not the leader: write skipped');
  }
}

export class Controller {
  readonly clusters: readonly MemberCluster[];
  /** One queue per member cluster (by config id): the keys whose writes in that cluster are due. */
  private readonly queues = new Map<string, WorkQueue>();
  private running = false;
  private startedAt = 0;
  private workerLoops: Promise<void>[] = [];
  private resyncTimer: TimerHandle | null = null;
  private fullPassTimer: TimerHandle | null = null;
  private gateOpen = false;
  private wasLeader = false;
  private readonly log: Logger;
  private readonly recent = new RecentWrites();

  constructor(private readonly opts: ControllerOptions) {
    this.log = opts.logger;
    for (const m of opts.members) {
      this.queues.set(m.name, new WorkQueue(opts.clock, defaultRateLimiter(opts.config.retry, opts.clock), opts.metrics?.queueObserver(`${CONTROLLER}/${m.name}`)));
    }
    this.clusters = opts.members.map(
      (m) =>
        new MemberCluster({
          name: m.name,
          rest: m.rest,
          cacheFactory: opts.cacheFactory,
          mcsApiVersion: opts.config.mcsApiVersion,
          clock: opts.clock,
          logger: opts.logger,
          unreachableGracePeriodMs: opts.config.unreachableGracePeriodMs,
          ...(opts.probeIntervalMs !== undefined ? { probeIntervalMs: opts.probeIntervalMs } : {}),
          onEvents: (c, role, events) => this.onEvents(c, role, events),
          onStateChange: (c, state) => this.onClusterState(c, state),
          onHydrated: (_c, namespace, name, ok) => {
            if (!this.running) return;
            if (ok) this.enqueue(`${namespace}/${name}`);
            else for (const q of this.queues.values()) q.addAfter(`${namespace}/${name}`, 1_000);
          },
          onProbe: (c, ok) => {
            opts.metrics?.clusterReachable.set({ cluster: c.name }, ok ? 1 : 0);
            if (ok) opts.metrics?.clusterLastSync.set({ cluster: c.name }, opts.clock.now() / 1000);
          },
        }),
    );
  }

  isLeader(): boolean {
    return this.opts.leadership?.isLeader() ?? true;
  }

  /** Caches of every reachable cluster synced (or the startup grace period is over). */
  ready(): boolean {
    return this.gateOpen;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.opts.clock.now();
    await Promise.all(this.clusters.map((c) => c.start()));
    const workers = this.opts.workers ?? 2;
    this.workerLoops = this.clusters.flatMap((c) => Array.from({ length: workers }, () => this.worker(c)));
    this.scheduleResync();
    this.waitForSync();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.resyncTimer?.cancel();
    this.fullPassTimer?.cancel();
    for (const q of this.queues.values()) q.shutDown();
    await Promise.all(this.workerLoops);
    await Promise.all(this.clusters.map((c) => c.stop()));
  }

  /** Called by main when leadership is gained: a new leader starts from a full pass. */
  leadershipChanged(): void {
    const leader = this.isLeader();
    this.opts.metrics?.leader.set({ name: CONTROLLER }, leader ? 1 : 0);
    if (leader && !this.wasLeader) this.enqueueAll();
    this.wasLeader = leader;
  }

  /** Every key any cluster knows of (exports, imports, our slices and derived Services). */
  allKeys(): Set<string> {
    // Not every Service of every cluster: a derived Service without its import is collected by the
    // API server (its owner reference), and our slices are few.
    const keys = new Set<string>();
    for (const c of this.clusters) {
      for (const role of ['serviceExports', 'serviceImports'] as const) {
        for (const o of c.caches[role].list()) keys.add(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
      }
      for (const o of c.caches.importedSlices.list()) {
        const n = o.metadata?.labels?.[LABEL_MCS_SERVICE_NAME];
        if (n !== undefined) keys.add(`${o.metadata?.namespace ?? ''}/${n}`);
      }
    }
    return keys;
  }

  /**
   * Every key, at low priority: a full pass never delays a change someone just made. Calls within
   * 100 ms make one pass (fifty clusters' first lists, or their probes, come together).
   */
  enqueueAll(): void {
    if (!this.isLeader() || this.fullPassTimer !== null) return;
    this.fullPassTimer = this.opts.clock.setTimer(() => {
      this.fullPassTimer = null;
      if (!this.running || !this.isLeader()) return;
      for (const k of this.allKeys()) this.enqueue(k, 'low');
    }, 100);
  }

  /**
   * One level-triggered pass for `namespace/name` in every member cluster. Returns the number of
   * writes made. Throws when a write failed.
   */
  async reconcile(key: string): Promise<number> {
    let total = 0;
    const failures: unknown[] = [];
    for (const c of this.clusters) {
      try {
        total += await this.reconcileIn(c, key);
      } catch (err) {
        if (err instanceof NotLeaderError) throw err;
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures.length === 1 ? failures[0] : new AggregateError(failures, `${failures.length} clusters failed`);
    return total;
  }

  /**
   * The pass for `namespace/name` in one cluster: what it needs written, from what every cluster
   * holds. Returns the number of writes made; throws when one failed (the caller requeues).
   */
  async reconcileIn(target: MemberCluster, key: string): Promise<number> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (!this.inScope(namespace)) return 0;
    const maxRounds = this.opts.maxRounds ?? 6;
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const observed = this.clusters.map((c) => this.observe(c, namespace, name, c === target));
      // An exported Service being fetched: plan nothing now (the fetch's end requeues the key).
      if (observed.some((o) => o.hydrating)) return total;
      const plan = planKey(
        { namespace, name, clusters: observed.map((o) => o.obs) },
        { naming: this.opts.config.derivedService, now: rfc3339(this.opts.clock.now()), only: target.name },
      );
      const writes = plan.writes.get(target.name) ?? [];
      if (writes.length === 0) return total;
      total += await this.applyWrites(target, writes);
    }
    throw new Error(`${key}: still not converged in ${target.name} after ${maxRounds} passes`);
  }

  private inScope(namespace: string): boolean {
    const ns = this.opts.config.namespaces;
    return ns.length === 0 || ns.includes(namespace);
  }

  private effectiveState(c: MemberCluster): ClusterState {
    // A cluster whose caches never filled cannot say what it exports: once the gate opened without
    // it (startup grace over), it is unknown, never taken as exporting nothing.
    if (!c.synced()) return 'unknown';
    return c.state();
  }

  /**
   * What one cluster holds for the key. `hydrating`: its ServiceExport names a Service or slices
   * kept as identity only, being fetched now; the key is planned once they are here. The import
   * side (import, derived Service, our slices) is read only for the target cluster of the pass.
   */
  private observe(c: MemberCluster, namespace: string, name: string, target: boolean): { obs: ClusterObservation; hydrating: boolean } {
    const now = this.opts.clock.now();
    const get = <T extends KubeObject>(role: CacheRole, resource: ResourceKind, objName: string): T | null => {
      const cached = c.caches[role].get(namespace, objName);
      const mine = this.recent.resolve(overlayKey(c.name, resource, namespace, objName), cached, now);
      return (mine === undefined ? (cached ?? null) : mine) as T | null;
    };
    const serviceImport = target ? get<ServiceImport>('serviceImports', 'serviceimports', name) : null;
    const serviceExport = get<ServiceExport>('serviceExports', 'serviceexports', name);
    const derivedName = derivedNameOf(this.opts.config.derivedService, namespace, name, serviceImport);
    let service = get<Service>('services', 'services', name);
    let sourceSlices: EndpointSlice[] = [];
    let hydrating = false;
    let state = this.effectiveState(c);
    if (serviceExport !== null) {
      // Only an exported Service's spec and slices are read; they may have been kept as identity only.
      const svc = c.exported.service(namespace, name, service);
      const slices = c.exported.slices(namespace, name, c.sourceSliceIndex.get(namespace, name) as EndpointSlice[]);
      if (svc.ready && slices.ready) {
        service = svc.value;
        sourceSlices = slices.value;
      } else if (state === 'ready') {
        hydrating = true;
      } else {
        // Down before its export's Service could be fetched: what it exports is not known.
        state = 'unknown';
      }
    }
    const isOurs = (s: KubeObject) => s.metadata?.namespace === namespace && s.metadata.labels?.[LABEL_MCS_SERVICE_NAME] === name;
    const imported = new Map<string, KubeObject>();
    if (target) for (const s of c.importedSliceIndex.get(namespace, name)) imported.set(s.metadata?.name ?? '', s);
    const prefix = `${c.name}|endpointslices|${namespace}/`;
    for (const [k] of target ? [...this.recent.under(prefix, now)] : []) {
      const sliceName = k.slice(prefix.length);
      const v = this.recent.resolve(k, c.caches.importedSlices.get(namespace, sliceName), now);
      if (v === undefined) continue;
      if (v !== null && isOurs(v)) imported.set(sliceName, v);
      else imported.delete(sliceName);
    }
    const obs: ClusterObservation = {
      name: c.name,
      clusterId: c.clusterId(),
      state,
      mcsApiVersion: c.mcsApiVersion(),
      namespaceExists: c.caches.namespaces.get('', namespace) !== undefined,
      serviceExport,
      service,
      sourceSlices,
      serviceImport,
      derivedService: target ? get<Service>('services', 'services', derivedName) : null,
      importedSlices: [...imported.values()] as EndpointSlice[],
      importConditions: c.importConditions,
    };
    return { obs, hydrating };
  }

  private resourcePath(c: MemberCluster, resource: ResourceKind): ResourcePath {
    switch (resource) {
      case 'services':
        return { group: '', version: 'v1', plural: 'services' };
      case 'endpointslices':
        return { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' };
      default: {
        // The planner writes only to clusters whose version is known.
        const version = c.mcsApiVersion();
        if (version === null) throw new Error(`${c.name}: MCS API version not discovered yet`);
        return { group: MCS_GROUP, version, plural: resource };
      }
    }
  }

  private async applyWrites(c: MemberCluster, writes: readonly Write[]): Promise<number> {
    let n = 0;
    for (const w of writes) {
      if (!this.isLeader()) throw new NotLeaderError();
      const path = this.resourcePath(c, w.resource);
      const ns = w.op === 'delete' ? w.namespace : (w.object.metadata?.namespace ?? '');
      const objName = w.op === 'delete' ? w.name : (w.object.metadata?.name ?? '');
      const fields = { cluster: c.name, namespace: ns, name: objName, resource: w.resource, op: w.op };
      let result: KubeObject | null = null;
      try {
        switch (w.op) {
          case 'create':
            result = await c.rest.create(path, w.object);
            break;
          case 'update':
            result = await c.rest.replace(path, w.object);
            break;
          case 'updateStatus':
            result = await c.rest.replaceStatus(path, w.object);
            if (w.resource === 'serviceimports' && prunedConditions(w.object, result)) {
              c.importConditions = false;
              this.log.warn({ cluster: c.name }, 'this cluster\'s ServiceImport CRD has no status.conditions (older than the MCS API\'s current one): the Ready condition is not written there');
            }
            break;
          case 'delete':
            await c.rest.delete(path, w.namespace, w.name);
            break;
        }
        this.opts.metrics?.apiWrites.inc({ cluster: c.name, verb: w.op, resource: w.resource, code: w.op === 'create' ? '201' : '200' });
        c.reportReachable(true);
      } catch (err) {
        this.recent.forget(overlayKey(c.name, w.resource, ns, objName));
        const code = statusCodeOf(err);
        this.opts.metrics?.apiWrites.inc({ cluster: c.name, verb: w.op, resource: w.resource, code: String(code) });
        if (code === 0 || code >= 500) c.reportReachable(false);
        // 409 is the expected outcome of racing a change: the key is retried from fresh state.
        const level = code === 409 ? 'info' : 'warn';
        this.log[level]({ ...fields, code, err: String(err) }, `write failed: ${describeWrite(w)}`);
        throw err;
      }
      n++;
      this.recent.record(overlayKey(c.name, w.resource, ns, objName), result, this.opts.clock.now());
      this.log.info(fields, describeWrite(w));
    }
    return n;
  }

  private enqueue(key: string, priority: 'normal' | 'low' = 'normal'): void {
    const ns = key.slice(0, key.indexOf('/'));
    if (!this.inScope(ns)) return;
    for (const q of this.queues.values()) q.add(key, priority);
  }

  private onEvents(c: MemberCluster, role: CacheRole, events: ReadonlyArray<CacheEvent<KubeObject>>): void {
    if (!this.isLeader() || !this.running) return;
    if (role === 'namespaces' || role === 'clusterProperties') {
      this.enqueueAll();
      return;
    }
    for (const e of events) {
      const resource = ROLE_RESOURCE[role];
      if (e.type === 'delete' && resource !== undefined) {
        this.recent.deleted(overlayKey(c.name, resource, e.object.metadata?.namespace ?? '', e.object.metadata?.name ?? ''), e.object);
      }
      for (const o of e.old === undefined ? [e.object] : [e.object, e.old]) {
        const ns = o.metadata?.namespace ?? '';
        const labels = o.metadata?.labels ?? {};
        switch (role) {
          case 'serviceExports':
          case 'serviceImports':
            this.enqueue(`${ns}/${o.metadata?.name ?? ''}`);
            break;
          case 'services': {
            // Most Services of a fleet are nobody's business here: only a key some cluster exports
            // or imports is looked at (an export that appears later queues its key itself).
            const name = o.metadata?.name ?? '';
            if (this.knownKey(ns, name)) this.enqueue(`${ns}/${name}`);
            const owner = labels[LABEL_MCS_SERVICE_NAME];
            if (owner !== undefined) this.enqueue(`${ns}/${owner}`);
            break;
          }
          case 'sourceSlices': {
            const svc = labels[LABEL_SERVICE_NAME];
            if (svc !== undefined && this.knownKey(ns, svc)) this.enqueue(`${ns}/${svc}`);
            break;
          }
          case 'importedSlices': {
            const svc = labels[LABEL_MCS_SERVICE_NAME];
            if (svc !== undefined) this.enqueue(`${ns}/${svc}`);
            break;
          }
        }
      }
    }
  }

  /** Whether any member cluster exports or imports namespace/name. */
  private knownKey(namespace: string, name: string): boolean {
    return this.clusters.some(
      (c) => c.caches.serviceExports.get(namespace, name) !== undefined || c.caches.serviceImports.get(namespace, name) !== undefined,
    );
  }

  private onClusterState(c: MemberCluster, state: ClusterState): void {
    this.log.info({ cluster: c.name, state }, 'member cluster state changed');
    this.enqueueAll();
  }

  private waitForSync(): void {
    if (!this.running) return;
    const allSynced = this.clusters.every((c) => c.synced());
    const graceOver = this.opts.clock.now() - this.startedAt >= this.opts.config.unreachableGracePeriodMs;
    if (allSynced || graceOver) {
      this.gateOpen = true;
      if (!allSynced) {
        this.log.warn({ clusters: this.clusters.filter((c) => !c.synced()).map((c) => c.name) }, 'starting without clusters that never synced');
      }
      this.wasLeader = this.isLeader();
      this.opts.metrics?.leader.set({ name: CONTROLLER }, this.wasLeader ? 1 : 0);
      this.enqueueAll();
      return;
    }
    this.opts.clock.setTimer(() => this.waitForSync(), 50);
  }

  private scheduleResync(): void {
    if (!this.running) return;
    this.resyncTimer = this.opts.clock.setTimer(() => {
      this.enqueueAll();
      this.scheduleResync();
    }, this.opts.config.resyncPeriodMs);
  }

  private async worker(c: MemberCluster): Promise<void> {
    const queue = this.queues.get(c.name) as WorkQueue;
    for (;;) {
      const key = await queue.get();
      if (key === null) return;
      try {
        if (!this.gateOpen || !this.isLeader()) continue;
        const started = this.opts.clock.now();
        const slash = key.indexOf('/');
        const fields = { cluster: c.name, namespace: key.slice(0, slash), name: key.slice(slash + 1) };
        try {
          await this.reconcileIn(c, key);
          queue.forget(key);
          this.opts.metrics?.reconcileTotal.inc({ controller: CONTROLLER, result: 'success' });
        } catch (err) {
          if (err instanceof NotLeaderError) {
            this.log.info(fields, 'lost leadership: key dropped');
            continue;
          }
          this.opts.metrics?.reconcileTotal.inc({ controller: CONTROLLER, result: 'error' });
          this.opts.metrics?.reconcileErrors.inc({ controller: CONTROLLER });
          this.log.warn({ ...fields, err: String(err), failures: queue.failures(key) + 1 }, 'reconcile failed; retrying');
          queue.addRateLimited(key);
        } finally {
          this.opts.metrics?.reconcileTime.observe({ controller: CONTROLLER }, (this.opts.clock.now() - started) / 1000);
        }
      } finally {
        queue.done(key);
      }
    }
  }
}

const ROLE_RESOURCE: Partial<Record<CacheRole, ResourceKind>> = {
  serviceExports: 'serviceexports',
  serviceImports: 'serviceimports',
  services: 'services',
  importedSlices: 'endpointslices',
};

/** The API server answered a status write without the conditions it was sent: its schema prunes them. */
function prunedConditions(sent: KubeObject, answer: KubeObject | null): boolean {
  const had = (sent['status'] as { conditions?: unknown[] } | undefined)?.conditions ?? [];
  const kept = (answer?.['status'] as { conditions?: unknown[] } | undefined)?.conditions ?? [];
  return had.length > 0 && kept.length === 0;
}

function overlayKey(cluster: string, resource: ResourceKind, namespace: string, name: string): string {
  return `${cluster}|${resource}|${namespace}/${name}`;
}

