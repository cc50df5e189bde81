// The reconciler's Prometheus metrics, registered on a registry passed in by main. Names follow
// controller-runtime and client-go (controller_runtime_reconcile_*, workqueue_*,
// leader_election_master_status) so existing controller dashboards work; per-cluster health has
// clusterset_reconciler_* names.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueObserver } from './queue.js';

export class ReconcilerMetrics {
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly queueDepth: Gauge<'name'>;
  readonly queueAdds: Counter<'name'>;
  readonly queueRetries: Counter<'name'>;
  readonly queueLatency: Histogram<'name'>;
  readonly leader: Gauge<'name'>;
  readonly clusterLastSync: Gauge<'cluster'>;
  readonly clusterReachable: Gauge<'cluster'>;
  readonly apiWrites: Counter<'cluster' | 'verb' | 'resource' | 'code'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller and result.',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of the work queue.', labelNames: ['name'], registers });
    this.queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total adds handled by the work queue.', labelNames: ['name'], registers });
    this.queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total retries handled by the work queue.', labelNames: ['name'], registers });
    this.queueLatency = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long a key stays in the work queue before being processed.',
      labelNames: ['name'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
      registers,
    });
    this.leader = new Gauge({
      name: 'leader_election_master_status',
      help: '1 while this replica holds the leader Lease, else 0.',
      labelNames: ['name'],
      registers,
    });
    this.clusterLastSync = new Gauge({
      name: 'clusterset_reconciler_cluster_last_successful_sync_timestamp_seconds',
      help: 'Unix time of the last successful list or watch event from each member cluster.',
      labelNames: ['cluster'],
      registers,
    });
    this.clusterReachable = new Gauge({
      name: 'clusterset_reconciler_cluster_reachable',
      help: '1 while the member cluster API answers, else 0.',
      labelNames: ['cluster'],
      registers,
    });
    this.apiWrites = new Counter({
      name: 'clusterset_reconciler_api_writes_total',
      help: 'Writes sent to member cluster APIs, by verb, resource and HTTP code (0: no answer).',
      labelNames: ['cluster', 'verb', 'resource', 'code'],
      registers,
    });
  }

  queueObserver(name: string): QueueObserver {
    return {
      depth: (n) => this.queueDepth.set({ name }, n),
      added: () => this.queueAdds.inc({ name }),
      queued: (ms) => this.queueLatency.observe({ name }, ms / 1000),
      retried: () => this.queueRetries.inc({ name }),
    };
  }
}
