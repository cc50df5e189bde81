// The small frozen records the zone is synthesized from, and the narrow interface every object
// source (objects file, Kubernetes informers) offers the multicluster plugin.

export type ImportType = 'ClusterSetIP' | 'Headless';
export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface PortRecord {
  /** Empty string for an unnamed port. */
  readonly name: string;
  readonly protocol: PortProtocol;
  readonly port: number;
}

export interface ImportRecord {
  readonly namespace: string;
  readonly name: string;
  readonly type: ImportType;
  /** Canonical text form (IPv6 compressed, lower case), in spec order. */
  readonly ips: readonly string[];
  readonly ports: readonly PortRecord[];
}

export interface EndpointRecord {
  /** Canonical text form. */
  readonly addresses: readonly string[];
  /** `hostname` when set, otherwise null (the name is then derived from the address). */
  readonly hostname: string | null;
  /** `conditions.ready` absent or true. */
  readonly ready: boolean;
}

export interface SliceRecord {
  readonly namespace: string;
  /** The EndpointSlice's own name (unique per namespace). */
  readonly name: string;
  /** `multicluster.kubernetes.io/service-name` label. */
  readonly serviceName: string;
  /** `multicluster.kubernetes.io/source-cluster` label ("" when absent). */
  readonly clusterId: string;
  readonly addressType: 'IPv4' | 'IPv6';
  readonly ports: readonly PortRecord[];
  readonly endpoints: readonly EndpointRecord[];
}

/** Key of a service: `${namespace}/${name}`. */
export type ServiceKey = string;

export function serviceKey(namespace: string, name: string): ServiceKey {
  return `${namespace}/${name}`;
}

/**
 * One immutable view of everything a source knows. Maps are never mutated after publication;
 * a change produces a new ObjectSnapshot that shares the unchanged records.
 */
export interface ObjectSnapshot {
  /** Increases by at least one on every published change. */
  readonly version: number;
  readonly namespaces: ReadonlySet<string>;
  readonly imports: ReadonlyMap<ServiceKey, ImportRecord>;
  /** Slices grouped by the service they belong to (namespace/serviceName). */
  readonly slices: ReadonlyMap<ServiceKey, readonly SliceRecord[]>;
  /**
   * Service keys whose import or slices changed since the previous version (all keys on the first).
   * A change of localCluster alone lists none: no record changed, and only the consumer knows
   * which of its answers depend on it.
   */
  readonly changed: ReadonlySet<ServiceKey> | 'all';
  /**
   * The id of the cluster the source stands for, from its ClusterProperty `cluster.clusterset.k8s.io`
   * (the objects file's, or the API's when the source was asked to watch it); null when there is none.
   */
  readonly localCluster: string | null;
}

export interface ObjectSource {
  current(): ObjectSnapshot;
  /** True once every cache the source keeps has completed its first full sync. */
  synced(): boolean;
  /** Called after each published change, with the new snapshot. Returns an unsubscribe function. */
  subscribe(listener: (snapshot: ObjectSnapshot) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
