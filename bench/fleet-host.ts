// A child process of BENCH=fleet that hosts some of the fleet's member clusters, each a test API
// server on 127.0.0.1 seeded with its objects, and answers the bench's questions and commands
// over IPC (so that 50 clusters' objects and request handling spread over several processes).

import { startFakeApiServer, type FakeApiServer } from '../test/fake-apiserver/index.js';
import { clusterName, clusterObjects, exportedSerial, MCS_V1BETA1, namespaceOf, sourceSlice, type FleetSpec } from '../test/fleet/fleet-world.js';

export type HostRequest =
  | { readonly op: 'start'; readonly spec: FleetSpec; readonly clusters: readonly number[]; readonly dir: string; readonly qps: number }
  | { readonly op: 'status' }
  | { readonly op: 'change'; readonly cluster: number; readonly exported: number; readonly generation: number }
  | { readonly op: 'stop' | 'restart'; readonly cluster: number }
  | { readonly op: 'latency'; readonly cluster: number; readonly ms: number }
  | { readonly op: 'lease'; readonly cluster: number }
  | { readonly op: 'close' };

export interface ClusterStatus {
  readonly cluster: number;
  readonly importsWithIps: number;
  readonly importedSlices: number;
  readonly derivedServices: number;
  readonly writes: number;
  readonly requests: number;
  readonly throttled: number;
  readonly kubeconfig: string;
}

const servers = new Map<number, FakeApiServer>();
const kubeconfigs = new Map<number, string>();
let spec: FleetSpec | null = null;

function status(c: number, s: FakeApiServer): ClusterStatus {
  return {
    cluster: c,
    importsWithIps: s.list(MCS_V1BETA1, 'ServiceImport').filter((i) => ((i['spec'] as { ips?: string[] }).ips ?? []).length > 0).length,
    importedSlices: s.list('discovery.k8s.io/v1', 'EndpointSlice').filter((x) => x.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'clusterset-reconciler').length,
    derivedServices: s.list('v1', 'Service').filter((x) => x.metadata.labels?.['app.kubernetes.io/managed-by'] === 'clusterset-reconciler').length,
    // Lease renewals are the elector's, not the reconciler's work.
    writes: s.requests.writes.filter((r) => r.resource !== 'leases').length,
    requests: s.requests.all.length,
    throttled: s.requests.all.filter((r) => r.status === 429).length,
    kubeconfig: kubeconfigs.get(c) ?? '',
  };
}

async function handle(req: HostRequest): Promise<unknown> {
  switch (req.op) {
    case 'start': {
      spec = req.spec;
      for (const c of req.clusters) {
        const s = await startFakeApiServer({
          multiclusterVersions: ['v1alpha1', 'v1beta1'],
          namespaces: ['default', 'kube-system', 'clusterset-system'],
          bookmarkIntervalMs: 5_000,
          historyWindow: 50_000,
        });
        if (req.qps > 0) s.faults.limitRequestRate(req.qps);
        for (const o of clusterObjects(spec, c)) s.create(o);
        servers.set(c, s);
        kubeconfigs.set(c, s.writeKubeconfig(req.dir, clusterName(c)));
      }
      return [...servers.keys()].map((c) => status(c, servers.get(c) as FakeApiServer));
    }
    case 'status':
      return [...servers].map(([c, s]) => status(c, s));
    case 'change': {
      const s = servers.get(req.cluster);
      if (s === undefined || spec === null) throw new Error(`cluster ${req.cluster} is not hosted here`);
      const ns = namespaceOf(spec, req.exported);
      s.update(sourceSlice(spec, req.cluster, ns, `exp${req.exported}`, exportedSerial(spec, req.cluster, req.exported), req.generation));
      return null;
    }
    case 'stop':
      await servers.get(req.cluster)?.stop();
      return null;
    case 'restart':
      await servers.get(req.cluster)?.restart();
      return null;
    case 'lease': {
      const lease = servers.get(req.cluster)?.find('coordination.k8s.io/v1', 'Lease', 'clusterset-system', 'clusterset-reconciler');
      return (lease?.['spec'] as { holderIdentity?: string } | undefined)?.holderIdentity ?? '';
    }
    case 'latency':
      servers.get(req.cluster)?.faults.setLatency(req.ms);
      return null;
    case 'close':
      await Promise.all([...servers.values()].map((s) => s.close()));
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (msg: { id: number; req: HostRequest }) => {
  handle(msg.req).then(
    (result) => process.send?.({ id: msg.id, result }),
    (err: unknown) => process.send?.({ id: msg.id, error: String(err) }),
  );
});
