// The whole reconciler program, minus argument parsing and signals: member clusters, controller,
// leader election and the HTTP endpoints, wired from a validated config. Tests run several of
// these in one process; the CLI runs one.

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CacheFactory, ResourceCache } from './caches.js';
import { Informer } from '../k8s/informer.js';
import type { ApiConnection } from '../k8s/connection.js';
import { loadApiConnection } from '../k8s/kubeconfig-lite.js';
import { systemClock, type Clock } from './clock.js';
import type { ReconcilerConfig } from './config.js';
import { Controller } from './controller.js';
import { HttpEndpoints, type Check } from './http-endpoints.js';
import { KubeRest } from './kube-rest.js';
import { LeaderElector } from './leader-election.js';
import { restLeaseClient } from './lease-client.js';
import { throttledConnection } from './throttled-connection.js';
import { ReconcilerMetrics } from './metrics.js';

export interface ReconcilerAppOptions {
  readonly config: ReconcilerConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock?: Clock;
  /** Overrides the API connection per cluster id (tests). */
  readonly connectionFor?: (clusterId: string) => ApiConnection;
  readonly cacheFactory?: CacheFactory;
  readonly probeIntervalMs?: number;
  readonly requestTimeoutMs?: number;
}

export class ReconcilerApp {
  readonly controller: Controller;
  readonly elector: LeaderElector | null;
  readonly endpoints: HttpEndpoints;
  readonly identity: string;
  readonly metrics: ReconcilerMetrics;
  private running = false;

  constructor(opts: ReconcilerAppOptions) {
    const { config, logger } = opts;
    const clock = opts.clock ?? systemClock;
    this.metrics = new ReconcilerMetrics(opts.registry);
    this.identity = config.leaderElection.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    // Our own kubeconfig reader; only exec/auth-provider users make it load client-node.
    const direct = new Map(
      config.clusters.map((c) => [
        c.id,
        opts.connectionFor?.(c.id) ??
          loadApiConnection({ ...(c.kubeconfig !== null ? { path: c.kubeconfig } : {}), ...(c.context !== null ? { context: c.context } : {}) }),
      ]),
    );
    const connections = new Map(config.clusters.map((c) => [c.id, throttledConnection(direct.get(c.id) as ApiConnection, config.apiRateLimit, clock)]));
    const rests = new Map(
      config.clusters.map((c) => [c.id, new KubeRest(connections.get(c.id) as ApiConnection, { timeoutMs: opts.requestTimeoutMs ?? 10_000 })]),
    );
    const cacheFactory: CacheFactory =
      opts.cacheFactory ??
      ((cluster, spec) =>
        // The informer hands out the API server's JSON as is; only the static type differs.
        new Informer<KubernetesObject>({
          connection: connections.get(cluster) as ApiConnection,
          path: spec.path,
          ...(spec.labelSelector !== undefined ? { labelSelector: spec.labelSelector } : {}),
          ...(spec.transform !== undefined ? { transform: spec.transform as unknown as (o: KubernetesObject) => KubernetesObject } : {}),
          logger: logger.child({ cluster }),
          clock,
        }) as unknown as ResourceCache);

    const le = config.leaderElection;
    let elector: LeaderElector | null = null;
    this.controller = new Controller({
      members: config.clusters.map((c) => ({ name: c.id, rest: rests.get(c.id) as KubeRest })),
      cacheFactory,
      config,
      clock,
      logger,
      metrics: this.metrics,
      leadership: le.enabled ? { isLeader: () => elector?.isLeader() ?? false } : null,
      ...(opts.probeIntervalMs !== undefined ? { probeIntervalMs: opts.probeIntervalMs } : {}),
    });
    if (le.enabled) {
      elector = new LeaderElector({
        // Its own client, outside the request budget (as controller-runtime's leader election has):
        // a renewal queued behind a first list's pages would lose the lease.
        client: restLeaseClient(new KubeRest(direct.get(le.cluster) as ApiConnection, { timeoutMs: opts.requestTimeoutMs ?? 10_000 })),
        namespace: le.namespace,
        name: le.leaseName,
        identity: this.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        clock,
        logger: logger.child({ component: 'leader-election' }),
        onStartedLeading: () => this.controller.leadershipChanged(),
        onStoppedLeading: () => this.controller.leadershipChanged(),
      });
    }
    this.elector = elector;
    this.endpoints = new HttpEndpoints({
      health: config.listen.health,
      metrics: config.listen.metrics,
      registry: opts.registry,
      healthz: () => this.healthz(),
      readyz: () => this.readyz(),
    });
  }

  isLeader(): boolean {
    return this.elector?.isLeader() ?? true;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.endpoints.start();
    await this.controller.start();
    this.elector?.start();
  }

  /** Orderly stop: the Lease is released so a standby takes over at once. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.elector?.stop();
    await this.controller.stop();
    await this.endpoints.stop();
  }

  private healthz(): Check {
    return { ok: this.running, lines: [`[${this.running ? '+' : '-'}]running`] };
  }

  private readyz(): Check {
    const lines = this.controller.clusters.map((c) => `[${c.synced() ? '+' : '-'}]cluster-${c.name} synced (${c.state()})`);
    const ready = this.running && this.controller.ready();
    lines.push(`[${ready ? '+' : '-'}]caches-synced`);
    return { ok: ready, lines };
  }
}
