// The in-process fake Kubernetes API server used by tests: a real node:http server on 127.0.0.1
// serving the built-in kinds of resources.ts and the custom resources of its stored CRDs (seeded
// with the repository's MCS and ClusterProperty CRDs) with the apiserver's list/watch/write
// semantics, plus direct store access, fault injection, a request log and a kubeconfig writer.
// Data survives stop()/restart().

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from './api-error.js';
import { customResourceKey, resourceFromCrd } from './crd/crd-resource.js';
import { shippedCrds } from './crd/shipped-crds.js';
import { decodeWrite } from './decoder.js';
import { Faults } from './faults.js';
import { HttpHandler } from './http-handler.js';
import { IpAllocator } from './ip-allocator.js';
import { buildStrategies } from './kind-strategies.js';
import { writeKubeconfigFile } from './kubeconfig-writer.js';
import { RequestLog } from './request-log.js';
import { apiVersionOf, CRD_KEY, ResourceTable, splitApiVersion, type MulticlusterVersion, type ResourceDef } from './resources.js';
import { applyMergePatch } from './patches.js';
import { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import { WatchHub } from './watch-hub.js';

export { ApiError } from './api-error.js';
export type { Faults, PathFilter } from './faults.js';
export type { RequestLog, RequestRecord, Verb } from './request-log.js';
export type { KubeObject, ObjectMeta, OwnerReference, StatusObject, WatchEvent } from './types.js';
export type { MulticlusterVersion } from './resources.js';

export interface FakeApiServerOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** IPv4 (or IPv6) service CIDR, the primary family. Default 10.96.0.0/16. */
  serviceCIDR?: string;
  /** Secondary-family CIDR for dual-stack Services. */
  serviceCIDRv6?: string;
  /** Versions of multicluster.x-k8s.io served (default ['v1alpha1']). */
  multiclusterVersions?: MulticlusterVersion[];
  /** How many events the history keeps for watch resumption (default 1000). */
  historyWindow?: number;
  /** Interval between BOOKMARK events on watches that allow them (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** Namespaces present at start (default default, kube-system, kube-public, kube-node-lease). */
  namespaces?: string[];
}

export interface FakeApiServer {
  readonly url: string;
  readonly port: number;
  writeKubeconfig(dir: string, context?: string): string;
  create<T extends KubeObject = KubeObject>(obj: KubeObject): T;
  update<T extends KubeObject = KubeObject>(obj: KubeObject): T;
  updateStatus<T extends KubeObject = KubeObject>(obj: KubeObject): T;
  patch(apiVersion: string, kind: string, namespace: string | undefined, name: string, mergePatch: Record<string, unknown>): KubeObject;
  patchStatus(apiVersion: string, kind: string, namespace: string | undefined, name: string, mergePatch: Record<string, unknown>): KubeObject;
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject;
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject;
  /** The object, or undefined when it does not exist. */
  find(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  readonly faults: Faults;
  readonly requests: RequestLog;
  resourceVersion(): string;
  /** Number of watch streams currently open. */
  openWatches(): number;
  /** Stops listening and drops every connection; the data stays. Idempotent. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data (stops first when running). */
  restart(): Promise<void>;
  /** Stops for good. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

class FakeApiServerImpl implements FakeApiServer {
  readonly faults: Faults;
  readonly requests = new RequestLog();
  private readonly table: ResourceTable;
  private readonly store: ObjectStore;
  private readonly watches: WatchHub;
  private readonly handler: HttpHandler;
  private server: Server | null = null;
  private boundPort = 0;
  private closed = false;

  constructor(opts: FakeApiServerOptions) {
    const multiclusterVersions = opts.multiclusterVersions ?? ['v1alpha1'];
    if (multiclusterVersions.length === 0) throw new Error('multiclusterVersions must name at least one version');
    this.table = new ResourceTable();
    const allocators = [new IpAllocator(opts.serviceCIDR ?? '10.96.0.0/16')];
    if (opts.serviceCIDRv6 !== undefined) allocators.push(new IpAllocator(opts.serviceCIDRv6));
    if (allocators.length === 2 && allocators[0]?.family === allocators[1]?.family) {
      throw new Error('serviceCIDR and serviceCIDRv6 must be of different families');
    }
    this.store = new ObjectStore(this.table, buildStrategies(allocators), opts.historyWindow ?? 1000);
    // The served custom resources follow the stored CRDs, as the apiextensions controllers make them.
    this.store.subscribe((event) => {
      if (event.def.key !== CRD_KEY) return;
      const key = customResourceKey(event.object);
      this.table.setCustom(key, event.type === 'DELETED' ? undefined : resourceFromCrd(event.object));
    });
    this.watches = new WatchHub(this.store, opts.bookmarkIntervalMs ?? 1000);
    this.faults = new Faults({
      closeWatches: () => this.watches.closeAll(),
      silenceWatches: (on) => this.watches.silence(on),
      compactHistory: () => this.store.compact(),
    });
    this.handler = new HttpHandler(this.table, this.store, this.watches, this.faults, this.requests, () => `127.0.0.1:${this.boundPort}`);
    for (const ns of opts.namespaces ?? DEFAULT_NAMESPACES) {
      this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    for (const crd of shippedCrds(multiclusterVersions)) this.create(crd);
    this.boundPort = opts.port ?? 0;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async listen(): Promise<void> {
    if (this.closed) throw new Error('fake API server is closed');
    if (this.server !== null) return;
    const server = createServer(this.handler.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    this.watches.closeAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    // Let in-process clients see their pooled keep-alive sockets close before anything reconnects,
    // so that a restart is not met with a write on a dead socket.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
  }

  writeKubeconfig(dir: string, context = 'fake'): string {
    return writeKubeconfigFile(dir, this.url, context);
  }

  private resolve(apiVersion: string, kind: string): { def: ResourceDef; version: string } {
    const def = this.table.byKind(apiVersion, kind);
    if (def === undefined) throw new Error(`fake API server does not serve ${kind} in ${apiVersion}`);
    return { def, version: splitApiVersion(apiVersion).version };
  }

  private present<T extends KubeObject>(obj: KubeObject, def: ResourceDef, version: string): T {
    return { ...obj, apiVersion: apiVersionOf(def.group, version) } as T;
  }

  create<T extends KubeObject = KubeObject>(obj: KubeObject): T {
    const { def, version } = this.resolve(obj.apiVersion, obj.kind);
    const { obj: decoded } = decodeWrite(def, version, obj, 'Warn');
    return this.present(this.store.create(def, version, obj.metadata.namespace, decoded), def, version);
  }

  update<T extends KubeObject = KubeObject>(obj: KubeObject): T {
    const { def, version } = this.resolve(obj.apiVersion, obj.kind);
    const { obj: decoded } = decodeWrite(def, version, obj, 'Warn');
    return this.present(this.store.update(def, version, obj.metadata.namespace, obj.metadata.name ?? '', decoded, false), def, version);
  }

  updateStatus<T extends KubeObject = KubeObject>(obj: KubeObject): T {
    const { def, version } = this.resolve(obj.apiVersion, obj.kind);
    const { obj: decoded } = decodeWrite(def, version, obj, 'Warn');
    return this.present(this.store.update(def, version, obj.metadata.namespace, obj.metadata.name ?? '', decoded, true), def, version);
  }

  private patchWith(apiVersion: string, kind: string, ns: string | undefined, name: string, mergePatch: Record<string, unknown>, status: boolean): KubeObject {
    const { def, version } = this.resolve(apiVersion, kind);
    const apply = (cur: KubeObject): unknown => decodeWrite(def, version, applyMergePatch({ ...cur, apiVersion: apiVersionOf(def.group, version) }, mergePatch), 'Warn').obj;
    return this.present(this.store.patch(def, version, ns, name, apply, status), def, version);
  }

  patch(apiVersion: string, kind: string, ns: string | undefined, name: string, mergePatch: Record<string, unknown>): KubeObject {
    return this.patchWith(apiVersion, kind, ns, name, mergePatch, false);
  }

  patchStatus(apiVersion: string, kind: string, ns: string | undefined, name: string, mergePatch: Record<string, unknown>): KubeObject {
    return this.patchWith(apiVersion, kind, ns, name, mergePatch, true);
  }

  delete(apiVersion: string, kind: string, ns: string | undefined, name: string): KubeObject {
    const { def, version } = this.resolve(apiVersion, kind);
    return this.present(this.store.delete(def, ns, name), def, version);
  }

  get(apiVersion: string, kind: string, ns: string | undefined, name: string): KubeObject {
    const { def, version } = this.resolve(apiVersion, kind);
    return this.present(this.store.get(def, ns, name), def, version);
  }

  find(apiVersion: string, kind: string, ns: string | undefined, name: string): KubeObject | undefined {
    try {
      return this.get(apiVersion, kind, ns, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const { def, version } = this.resolve(apiVersion, kind);
    const selection = namespace !== undefined ? { namespace } : {};
    return this.store.list(def, selection).items.map((o) => this.present(o, def, version));
  }

  resourceVersion(): string {
    return String(this.store.resourceVersion());
  }

  openWatches(): number {
    return this.watches.openCount();
  }
}


export async function startFakeApiServer(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const server = new FakeApiServerImpl(opts);
  await server.listen();
  return server;
}
