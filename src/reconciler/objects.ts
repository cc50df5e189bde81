// The slice of the Kubernetes object shapes the reconciler reads and writes, as plain JSON (what the
// API server sends), plus the names of the labels and annotations it owns. Only the fields used
// here are typed; everything else is carried through untouched on updates.

export const MCS_GROUP = 'multicluster.x-k8s.io';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MCS_SERVICE_NAME = 'multicluster.kubernetes.io/service-name';
export const LABEL_SOURCE_CLUSTER = 'multicluster.kubernetes.io/source-cluster';
export const LABEL_SLICE_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** Marks ServiceImports and derived Services this reconciler created (a hand-made import lacks it). */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGER_NAME = 'clusterset-reconciler';
export const ANNOTATION_DERIVED_SERVICE = 'multicluster.kubernetes.io/derived-service';
export const CLUSTER_ID_PROPERTY = 'cluster.clusterset.k8s.io';
/** When the change behind a slice's endpoints happened (read by DNS programming-latency metrics). */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
  nodePort?: number;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    ports?: ServicePort[];
    sessionAffinity?: string;
    sessionAffinityConfig?: unknown;
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    selector?: Record<string, string>;
    [key: string]: unknown;
  };
}

export interface ServiceExport extends KubeObject {
  status?: { conditions?: Condition[]; [key: string]: unknown };
}

export interface ImportPort {
  name?: string;
  protocol?: string;
  port: number;
  appProtocol?: string;
}

export interface ServiceImport extends KubeObject {
  spec?: {
    type?: string;
    ports?: ImportPort[];
    ips?: string[];
    sessionAffinity?: string;
    sessionAffinityConfig?: unknown;
    [key: string]: unknown;
  };
  status?: { clusters?: Array<{ cluster: string }>; conditions?: Condition[]; [key: string]: unknown };
}

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  zone?: string;
  nodeName?: string;
  targetRef?: unknown;
  [key: string]: unknown;
}

export interface EndpointPort {
  name?: string;
  protocol?: string;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints?: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number | null;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number | null;
  };
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

export function namespaceOf(obj: KubeObject): string {
  return obj.metadata?.namespace ?? '';
}

export function labelsOf(obj: KubeObject): Readonly<Record<string, string>> {
  return obj.metadata?.labels ?? {};
}
