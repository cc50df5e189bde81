// An in-memory model of several clusters for the pure planner tests: applies Writes the way an API
// server would (uid, resourceVersion, ClusterIP allocation, status subresource, owner GC) and builds
// KeyObservations from its contents.

import type { KubeObject, Service } from '../../src/reconciler/objects.js';
import type { ClusterObservation, ClusterState, KeyObservation } from '../../src/reconciler/desired/plan.js';
import { derivedNameOf } from '../../src/reconciler/desired/naming.js';
import type { Write } from '../../src/reconciler/desired/writes.js';
import type { DerivedServiceNaming, McsApiVersion } from '../../src/reconciler/config.js';

type Kind = 'serviceexports' | 'services' | 'endpointslices' | 'serviceimports';

export class MemoryCluster {
  readonly objects = new Map<string, KubeObject>();
  readonly namespaces = new Set<string>();
  state: ClusterState = 'ready';
  mcsApiVersion: McsApiVersion = 'v1alpha1';
  private nextIp = 1;
  constructor(
    readonly name: string,
    public clusterId: string,
    private readonly world: MemoryWorld,
  ) {}

  key(kind: Kind, ns: string, name: string): string {
    return `${kind}/${ns}/${name}`;
  }

  put(kind: Kind, obj: KubeObject): KubeObject {
    const md = obj.metadata ?? {};
    const stored = structuredClone(obj);
    stored.metadata = {
      ...md,
      uid: md.uid ?? `uid-${this.name}-${++this.world.seq}`,
      resourceVersion: String(++this.world.seq),
      creationTimestamp: md.creationTimestamp ?? '2026-01-01T00:00:00Z',
    };
    if (kind === 'services') {
      const spec = (stored as Service).spec ?? {};
      const held = spec.clusterIP !== undefined && [...this.objects].some(([k, o]) => k.startsWith('services/') && k !== this.key(kind, md.namespace ?? '', md.name ?? '') && (o as Service).spec?.clusterIP === spec.clusterIP);
      if (held) throw new Error(`422 Invalid: ${spec.clusterIP} is already allocated`);
      if (spec.clusterIP === undefined) {
        spec.clusterIP = `10.96.0.${this.nextIp++}`;
        spec.clusterIPs = [spec.clusterIP];
      }
      (stored as Service).spec = spec;
    }
    this.objects.set(this.key(kind, md.namespace ?? '', md.name ?? ''), stored);
    return stored;
  }

  get(kind: Kind, ns: string, name: string): KubeObject | null {
    return this.objects.get(this.key(kind, ns, name)) ?? null;
  }

  list(kind: Kind, ns: string): KubeObject[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${kind}/${ns}/`)).map(([, v]) => v);
  }

  remove(kind: Kind, ns: string, name: string): void {
    const obj = this.get(kind, ns, name);
    this.objects.delete(this.key(kind, ns, name));
    const uid = obj?.metadata?.uid;
    if (uid === undefined) return;
    for (const [k, o] of [...this.objects]) {
      if (o.metadata?.ownerReferences?.some((r) => r.uid === uid)) {
        const [kk, nn, name2] = k.split('/') as [Kind, string, string];
        this.remove(kk, nn, name2);
      }
    }
  }

  apply(w: Write): void {
    if (w.op === 'delete') {
      this.remove(w.resource, w.namespace, w.name);
      return;
    }
    const md = w.object.metadata ?? {};
    const existing = this.get(w.resource, md.namespace ?? '', md.name ?? '');
    if (w.op === 'create') {
      if (existing !== null) throw new Error(`409 AlreadyExists ${w.resource} ${md.name}`);
      const { status: _ignored, ...rest } = w.object;
      this.put(w.resource, rest);
      return;
    }
    if (existing === null) throw new Error(`404 ${w.resource} ${md.name}`);
    if (md.resourceVersion !== existing.metadata?.resourceVersion) throw new Error(`409 Conflict ${w.resource} ${md.name}`);
    if (w.op === 'updateStatus') {
      this.put(w.resource, { ...existing, status: w.object['status'] });
    } else {
      this.put(w.resource, { ...w.object, status: existing['status'] });
    }
  }
}

export class MemoryWorld {
  seq = 0;
  readonly clusters: MemoryCluster[] = [];
  writes: Array<{ cluster: string; write: Write }> = [];

  constructor(readonly naming: DerivedServiceNaming = { naming: 'hash' }) {}

  add(name: string, clusterId = name): MemoryCluster {
    const c = new MemoryCluster(name, clusterId, this);
    this.clusters.push(c);
    return c;
  }

  cluster(name: string): MemoryCluster {
    const c = this.clusters.find((x) => x.name === name);
    if (c === undefined) throw new Error(`no cluster ${name}`);
    return c;
  }

  observe(namespace: string, name: string): KeyObservation {
    const clusters: ClusterObservation[] = this.clusters.map((c) => {
      const slices = c.list('endpointslices', namespace);
      const serviceImport = c.get('serviceimports', namespace, name);
      const derived = derivedNameOf(this.naming, namespace, name, serviceImport);
      return {
        name: c.name,
        clusterId: c.clusterId,
        state: c.state,
        mcsApiVersion: c.mcsApiVersion,
        namespaceExists: c.namespaces.has(namespace),
        serviceExport: c.get('serviceexports', namespace, name),
        service: c.get('services', namespace, name) as Service | null,
        sourceSlices: slices.filter(
          (s) =>
            s.metadata?.labels?.['kubernetes.io/service-name'] === name &&
            s.metadata.labels['endpointslice.kubernetes.io/managed-by'] !== 'clusterset-reconciler',
        ) as never,
        serviceImport,
        derivedService: c.get('services', namespace, derived) as Service | null,
        importedSlices: slices.filter(
          (s) =>
            s.metadata?.labels?.['multicluster.kubernetes.io/service-name'] === name &&
            s.metadata.labels['endpointslice.kubernetes.io/managed-by'] === 'clusterset-reconciler',
        ) as never,
      };
    });
    return { namespace, name, clusters };
  }

  applyAll(writes: ReadonlyMap<string, readonly Write[]>): number {
    let n = 0;
    for (const [cluster, ws] of writes) {
      for (const w of ws) {
        this.cluster(cluster).apply(w);
        this.writes.push({ cluster, write: w });
        n++;
      }
    }
    return n;
  }
}
