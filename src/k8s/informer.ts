// A list+watch informer for one resource that keeps serving through API trouble: it lists, then
// watches from the list's resourceVersion with bookmarks and a server-side timeout (so streams
// rotate); bookmarks advance the resourceVersion; a 410 relists while the old store keeps
// serving and then emits the difference as one batch; errors, stream ends and silent streams
// re-watch from the last resourceVersion with backoff; a periodic relist heals missed events.
// While it waits out a backoff (which grows to 30 s), a light probe (a list of at most one object
// of its own resource, jittered, every 0.25 s growing to 2 s) ends the wait as soon as the API
// answers again, so changes are served within seconds of an outage's end, whatever its length.
// client-node's own informer, by contrast, stops for good on any non-410 error and never asks for
// bookmarks. Transport: an ApiConnection for credentials/TLS, node:http(s) for streaming. An
// optional transform reduces each object to what its consumer reads before it is stored: most of
// a real object's bytes are managedFields and the last-applied annotation, which nothing reads.

import type { IncomingMessage } from 'node:http';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { getJson, KubeApiError, openStream } from './api-transport.js';
import type { ApiConnection } from './connection.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffSettings } from './backoff.js';
import { InformerStore, type InformerEvent } from './informer-store.js';

export type { InformerEvent } from './informer-store.js';
export type { BackoffSettings } from './backoff.js';

export interface ResourcePath {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** Watch one namespace only; absent means all namespaces (or a cluster-scoped resource). */
  readonly namespace?: string;
}

export type InformerState =
  | { readonly state: 'synced' }
  | { readonly state: 'watching' }
  | { readonly state: 'error'; readonly error: Error }
  /** The API stopped answering; `since` is the last time it did (or the start time). Sent once per outage. */
  | { readonly state: 'stale'; readonly since: number };

export interface TimerHandle {
  cancel(): void;
}

/** The same shape as the reconciler's Clock, so one clock can drive both. */
export interface InformerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
}

const systemClock: InformerClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

export interface InformerOptions<T extends KubernetesObject = KubernetesObject> {
  readonly connection: ApiConnection;
  readonly path: ResourcePath;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly logger: Logger;
  readonly clock?: InformerClock;
  /** A watch that delivers no event and no bookmark for this long is dropped and re-opened. Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Full relist interval whose difference heals missed events; 0 turns it off. Default 10 min. */
  readonly resyncMs?: number;
  /** Reconnect backoff. Default 1 s doubling to 30 s, with jitter. */
  readonly backoff?: BackoffSettings;
  /** Probe pacing while a backoff runs. Default 250 ms doubling to 2 s, each delay drawn from its upper half. */
  readonly probe?: BackoffSettings;
  /** Each watch asks the server to end it after a random time in [t, 2t) seconds. Default 300. */
  readonly watchTimeoutSeconds?: number;
  /** How long a list or a watch may take to start answering. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /**
   * List page size (`limit`). Default 100, not client-go's 500: a page is parsed whole, and a GC
   * that finds 500 raw EndpointSlices alive mid-page copies them all, which is what grows V8's young
   * generation during a large list (10k slices: RSS after two relists 167 MB at 500, 141 at 100).
   */
  readonly pageSize?: number;
  /** Random source for jitter (tests). */
  readonly random?: () => number;
  /**
   * Applied to every listed or watched object, as decoded, before it is stored or handed on (like
   * client-go's SetTransform), to keep only what the consumer reads; it may reuse or change the
   * object. The result must keep metadata.name, namespace and resourceVersion. Without it the
   * decoded object is stored as is.
   */
  readonly transform?: (obj: KubernetesObject) => T;
}

type WatchOutcome =
  | { readonly kind: 'ended'; readonly healthy: boolean }
  | { readonly kind: 'expired' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'resync' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'error'; readonly error: Error };

interface ListBody {
  kind?: unknown;
  apiVersion?: unknown;
  metadata?: { resourceVersion?: unknown; continue?: unknown };
  items?: unknown;
}

interface WatchLine {
  type?: unknown;
  object?: { metadata?: { resourceVersion?: unknown }; code?: unknown; reason?: unknown; message?: unknown };
}

const DEFAULT_PROBE: BackoffSettings = { initialMs: 250, maxMs: 2000 };
/** A probe is one small list: an API that takes longer to answer it is not back yet. */
const PROBE_TIMEOUT_MS = 5000;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class Informer<T extends KubernetesObject> {
  private readonly store = new InformerStore<T>();
  private readonly clock: InformerClock;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly batchListeners = new Set<(events: InformerEvent<T>[]) => void>();
  private readonly stateListeners = new Set<(state: InformerState) => void>();
  private readonly basePath: string;
  private readonly random: () => number;

  private running: Promise<void> | null = null;
  private stopped = false;
  private current: AbortController | null = null;
  private sleeping: { wake: () => void } | null = null;
  /** A probe ended the last wait and nothing (a list, an event, a bookmark) has come since: the next wait is the plain backoff. */
  private probeWoke = false;
  private resyncTimer: TimerHandle | null = null;
  private resyncDue = false;
  private resourceVersion = '';
  private isSynced = false;
  private lastSuccessAt: number | null = null;
  private startedAt = 0;
  private inOutage = false;
  private lastState: InformerState['state'] | null = null;
  private syncWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(private readonly opts: InformerOptions<T>) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF, this.random);
    const p = opts.path;
    const prefix = p.group === '' ? `/api/${p.version}` : `/apis/${p.group}/${p.version}`;
    const ns = p.namespace !== undefined ? `/namespaces/${encodeURIComponent(p.namespace)}` : '';
    this.basePath = `${prefix}${ns}/${p.plural}`;
    this.log = opts.logger.child({ informer: `${p.group === '' ? 'core' : p.group}/${p.version}/${p.plural}`, namespace: p.namespace });
  }

  /** Starts listing and watching in the background; resolves at once (see whenSynced). */
  start(): Promise<void> {
    if (this.running !== null || this.stopped) return Promise.resolve();
    this.startedAt = this.clock.now();
    this.running = this.run().catch((err: unknown) => {
      this.log.error({ err: asError(err) }, 'informer loop failed');
    });
    return Promise.resolve();
  }

  /** Stops for good: aborts the open request, cancels timers, waits for the loop to end. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.resyncTimer?.cancel();
    this.resyncTimer = null;
    this.current?.abort();
    this.sleeping?.wake();
    for (const w of this.syncWaiters.splice(0)) w.reject(new Error('informer stopped before it synced'));
    await this.running;
  }

  /** True after the first successful list. */
  synced(): boolean {
    return this.isSynced;
  }

  /** Resolves at the first successful list; rejects if the informer is stopped first. */
  whenSynced(): Promise<void> {
    if (this.isSynced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error('informer stopped before it synced'));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  list(): T[] {
    return this.store.list();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace, name);
  }

  /** Last time a list, a watch answer, an event or a bookmark proved the API reachable. */
  lastSuccess(): number | null {
    return this.lastSuccessAt;
  }

  /** The resourceVersion the next watch resumes from. */
  latestResourceVersion(): string {
    return this.resourceVersion;
  }

  onBatch(cb: (events: InformerEvent<T>[]) => void): () => void {
    this.batchListeners.add(cb);
    return () => this.batchListeners.delete(cb);
  }

  onState(cb: (state: InformerState) => void): () => void {
    this.stateListeners.add(cb);
    return () => this.stateListeners.delete(cb);
  }

  private emitBatch(events: InformerEvent<T>[]): void {
    if (events.length === 0) return;
    for (const cb of [...this.batchListeners]) {
      try {
        cb(events);
      } catch (err) {
        this.log.error({ err: asError(err) }, 'batch listener threw');
      }
    }
  }

  private emitState(state: InformerState): void {
    this.lastState = state.state;
    for (const cb of [...this.stateListeners]) {
      try {
        cb(state);
      } catch (err) {
        this.log.error({ err: asError(err) }, 'state listener threw');
      }
    }
  }

  private markSuccess(): void {
    this.lastSuccessAt = this.clock.now();
    this.inOutage = false;
  }

  private failed(err: Error): void {
    this.log.warn({ err, resourceVersion: this.resourceVersion }, 'kubernetes API request failed; retrying with backoff');
    this.emitState({ state: 'error', error: err });
    if (!this.inOutage) {
      this.inOutage = true;
      this.emitState({ state: 'stale', since: this.lastSuccessAt ?? this.startedAt });
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        timer.cancel();
        this.sleeping = null;
        resolve();
      };
      const timer = this.clock.setTimer(wake, ms);
      this.sleeping = { wake };
    });
  }

  /**
   * Waits out the next backoff step after a failure, probing meanwhile: the first probe that gets
   * an answer ends the wait. If the retry a probe allowed delivers nothing either (an API that
   * answers a list but fails the request itself, such as a forbidden watch, or ends every stream
   * at once), the next wait is the plain backoff, so a half-working API is not asked at the
   * probe's pace.
   */
  private async retryAfterBackoff(): Promise<void> {
    const ms = this.backoff.next();
    if (this.probeWoke) {
      this.probeWoke = false;
      await this.sleep(ms);
      return;
    }
    this.probeWoke = await this.sleepProbing(ms);
  }

  /** Sleeps `ms`; resolves true early when a probe got an answer. */
  private sleepProbing(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    const pace = new Backoff(this.opts.probe ?? DEFAULT_PROBE, this.random);
    return new Promise((resolve) => {
      let probeTimer: TimerHandle | null = null;
      let probing: AbortController | null = null;
      let done = false;
      const finish = (answered: boolean): void => {
        if (done) return;
        done = true;
        sleepTimer.cancel();
        probeTimer?.cancel();
        probing?.abort();
        this.sleeping = null;
        resolve(answered);
      };
      const scheduleProbe = (): void => {
        probeTimer = this.clock.setTimer(() => {
          probing = new AbortController();
          void this.probe(probing.signal).then((answered) => {
            probing = null;
            if (done) return;
            if (answered) finish(true);
            else scheduleProbe();
          });
        }, pace.next());
      };
      const sleepTimer = this.clock.setTimer(() => finish(false), ms);
      this.sleeping = { wake: () => finish(false) };
      scheduleProbe();
    });
  }

  /** One light request to the resource's own list (same path, credentials and RBAC): does the API answer? */
  private async probe(signal: AbortSignal): Promise<boolean> {
    const q = this.selectorQuery();
    q.set('limit', '1');
    try {
      await getJson(this.opts.connection, `${this.basePath}?${q.toString()}`, signal, Math.min(this.opts.requestTimeoutMs ?? 30_000, PROBE_TIMEOUT_MS));
      return true;
    } catch {
      return false;
    }
  }

  private scheduleResync(): void {
    const every = this.opts.resyncMs ?? 600_000;
    if (every <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimer(() => {
      this.resyncDue = true;
      // Ends the open watch; the loop then relists and emits the difference.
      this.current?.abort();
      this.scheduleResync();
    }, every);
  }

  private async run(): Promise<void> {
    this.scheduleResync();
    let needList = true;
    while (!this.stopped) {
      if (needList || this.resyncDue) {
        try {
          this.resyncDue = false;
          await this.relist();
          needList = false;
        } catch (err) {
          if (this.stopped) break;
          needList = true;
          this.failed(asError(err));
          await this.retryAfterBackoff();
          continue;
        }
      }
      let outcome: WatchOutcome;
      try {
        outcome = await this.watchOnce();
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof KubeApiError && err.statusCode === 410) {
          needList = true;
          continue;
        }
        this.failed(asError(err));
        await this.retryAfterBackoff();
        continue;
      }
      switch (outcome.kind) {
        case 'stopped':
          return;
        case 'expired':
          this.log.info({ resourceVersion: this.resourceVersion }, 'watch resourceVersion expired (410); relisting');
          needList = true;
          break;
        case 'resync':
          needList = true;
          break;
        case 'ended':
          if (outcome.healthy) {
            // A stream that delivered something and then ended (the server's timeout) is normal.
            this.backoff.reset();
          } else {
            // As when the API goes down under a fresh stream: the probe tells when to re-watch.
            this.log.debug('watch ended without delivering anything; re-watching after backoff');
            await this.retryAfterBackoff();
          }
          break;
        case 'idle':
          this.failed(new Error(`watch silent for ${this.opts.idleTimeoutMs ?? 60_000} ms; re-watching`));
          await this.retryAfterBackoff();
          break;
        case 'error':
          this.failed(outcome.error);
          await this.retryAfterBackoff();
          break;
      }
    }
  }

  private selectorQuery(): URLSearchParams {
    const q = new URLSearchParams();
    if (this.opts.labelSelector !== undefined && this.opts.labelSelector !== '') q.set('labelSelector', this.opts.labelSelector);
    if (this.opts.fieldSelector !== undefined && this.opts.fieldSelector !== '') q.set('fieldSelector', this.opts.fieldSelector);
    return q;
  }

  private newRequest(): AbortController {
    const controller = new AbortController();
    this.current = controller;
    return controller;
  }

  /** Lists every page, then swaps the store and emits the difference; the old store serves until then. */
  private async relist(): Promise<void> {
    const controller = this.newRequest();
    const timeoutMs = this.opts.requestTimeoutMs ?? 30_000;
    const items: T[] = [];
    let listRv = '';
    let cont = '';
    for (let page = 0; page < 100_000; page++) {
      const q = this.selectorQuery();
      q.set('limit', String(this.opts.pageSize ?? 100));
      if (cont !== '') q.set('continue', cont);
      const body = (await getJson(this.opts.connection, `${this.basePath}?${q.toString()}`, controller.signal, timeoutMs)) as ListBody;
      if (!Array.isArray(body.items) || typeof body.metadata?.resourceVersion !== 'string') {
        throw new KubeApiError(200, '', `list ${this.basePath}: answer is not a list`);
      }
      if (page === 0) listRv = body.metadata.resourceVersion;
      // Built-in lists leave apiVersion/kind off their items; watch events carry them: make them agree.
      const kind = typeof body.kind === 'string' ? body.kind.replace(/List$/, '') : undefined;
      const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : undefined;
      for (const item of body.items as KubernetesObject[]) {
        // An object the store has at this resourceVersion stays as stored (replace() keeps it and
        // emits nothing): transforming it again would only make garbage, all of it at once on a
        // resync, where nearly every object is unchanged.
        const known = this.store.get(item.metadata?.namespace, item.metadata?.name ?? '');
        if (known !== undefined && known.metadata?.resourceVersion === item.metadata?.resourceVersion) {
          items.push(known);
          continue;
        }
        if (item.kind === undefined && kind !== undefined) item.kind = kind;
        if (item.apiVersion === undefined && apiVersion !== undefined) item.apiVersion = apiVersion;
        items.push(this.decoded(item));
      }
      cont = typeof body.metadata.continue === 'string' ? body.metadata.continue : '';
      if (cont === '') break;
    }
    if (this.stopped) return;
    const events = this.store.replace(items);
    this.resourceVersion = listRv;
    this.markSuccess();
    this.probeWoke = false;
    this.log.debug({ resourceVersion: listRv, objects: items.length, changes: events.length }, 'listed');
    this.emitBatch(events);
    if (!this.isSynced) {
      this.isSynced = true;
      this.emitState({ state: 'synced' });
      for (const w of this.syncWaiters.splice(0)) w.resolve();
    }
  }

  /** The decoded API object as stored: transformed, or as is (it is the API's JSON for T). */
  private decoded(obj: KubernetesObject): T {
    return this.opts.transform !== undefined ? this.opts.transform(obj) : (obj as T);
  }

  private watchTimeoutSeconds(): number {
    const t = this.opts.watchTimeoutSeconds ?? 300;
    return Math.max(1, Math.floor(t * (1 + this.random())));
  }

  private async watchOnce(): Promise<WatchOutcome> {
    const controller = this.newRequest();
    const q = this.selectorQuery();
    q.set('watch', 'true');
    q.set('resourceVersion', this.resourceVersion);
    q.set('allowWatchBookmarks', 'true');
    q.set('timeoutSeconds', String(this.watchTimeoutSeconds()));
    let res: IncomingMessage;
    try {
      res = await openStream(this.opts.connection, `${this.basePath}?${q.toString()}`, controller.signal, this.opts.requestTimeoutMs ?? 30_000);
    } catch (err) {
      if (this.stopped) return { kind: 'stopped' };
      if (this.resyncDue) return { kind: 'resync' };
      throw err;
    }
    this.markSuccess();
    if (this.lastState !== 'watching') this.emitState({ state: 'watching' });
    return this.consume(res, controller);
  }

  /** Reads one watch stream to its end, applying events as they come. */
  private consume(res: IncomingMessage, controller: AbortController): Promise<WatchOutcome> {
    const idleMs = this.opts.idleTimeoutMs ?? 60_000;
    return new Promise<WatchOutcome>((resolve) => {
      let healthy = false;
      let buffered = '';
      let done = false;
      let idle = this.clock.setTimer(() => finish({ kind: 'idle' }), idleMs);
      const finish = (outcome: WatchOutcome): void => {
        if (done) return;
        done = true;
        idle.cancel();
        controller.abort();
        res.destroy();
        resolve(outcome);
      };
      controller.signal.addEventListener('abort', () => {
        finish(this.stopped ? { kind: 'stopped' } : this.resyncDue ? { kind: 'resync' } : { kind: 'ended', healthy });
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (done) return;
        idle.cancel();
        idle = this.clock.setTimer(() => finish({ kind: 'idle' }), idleMs);
        buffered += chunk;
        const batch: InformerEvent<T>[] = [];
        let end: WatchOutcome | null = null;
        let nl: number;
        while (end === null && (nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          end = this.handleLine(line, batch);
          if (end === null) healthy = true;
        }
        this.emitBatch(batch);
        if (end !== null) finish(end);
      });
      res.on('end', () => finish({ kind: 'ended', healthy }));
      res.on('close', () => finish({ kind: 'ended', healthy }));
      res.on('error', (err) => finish({ kind: 'error', error: err }));
    });
  }

  /** Applies one watch line; returns how the stream ends when the line ends it. */
  private handleLine(line: string, batch: InformerEvent<T>[]): WatchOutcome | null {
    let event: WatchLine;
    try {
      event = JSON.parse(line) as WatchLine;
    } catch (err) {
      return { kind: 'error', error: new Error(`watch ${this.basePath}: undecodable line: ${(err as Error).message}`) };
    }
    const obj = event.object;
    if (event.type === 'ERROR') {
      const code = typeof obj?.code === 'number' ? obj.code : 0;
      if (code === 410) return { kind: 'expired' };
      const message = typeof obj?.message === 'string' ? obj.message : 'watch error event';
      return { kind: 'error', error: new KubeApiError(code, typeof obj?.reason === 'string' ? obj.reason : '', message) };
    }
    const rv = obj?.metadata?.resourceVersion;
    if (obj === undefined || typeof rv !== 'string') {
      return { kind: 'error', error: new Error(`watch ${this.basePath}: event without object/resourceVersion`) };
    }
    if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
      const change = this.store.apply(event.type, this.decoded(obj as KubernetesObject));
      if (change !== null) batch.push(change);
    } else if (event.type !== 'BOOKMARK') {
      return { kind: 'error', error: new Error(`watch ${this.basePath}: unknown event type ${String(event.type)}`) };
    }
    this.resourceVersion = rv;
    this.markSuccess();
    this.probeWoke = false;
    return null;
  }
}
