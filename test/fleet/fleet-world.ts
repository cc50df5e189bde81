// A simulated fleet's objects, shared by the CI-sized fleet test and BENCH=fleet: N member
// clusters with the same namespaces, each holding S ordinary Services (with one EndpointSlice of a
// few endpoints each), of which the exported ones are spread so that every exported service is
// exported by 2 clusters and imported everywhere (every cluster has every namespace).

import type { KubeObject } from '../fake-apiserver/index.js';

export interface FleetSpec {
  readonly clusters: number;
  readonly servicesPerCluster: number;
  readonly namespaces: number;
  /** Exported services in all (each exported by 2 clusters). */
  readonly exported: number;
  readonly endpointsPerSlice: number;
}

export const MCS_V1BETA1 = 'multicluster.x-k8s.io/v1beta1';

export function clusterName(i: number): string {
  return `member${i}`;
}

export function namespaceOf(spec: FleetSpec, j: number): string {
  return `ns${j % spec.namespaces}`;
}

/** The two clusters that export exported service j. */
export function exporters(spec: FleetSpec, j: number): [number, number] {
  return [j % spec.clusters, (j + 1) % spec.clusters];
}

/** Exported services whose exporters include cluster c. */
export function exportedBy(spec: FleetSpec, c: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < spec.exported; j++) if (exporters(spec, j).includes(c)) out.push(j);
  return out;
}

/** The IP of endpoint e of a Service's slice in cluster c, generation g (changes bump g). */
export function endpointIp(c: number, serial: number, e: number, g = 0): string {
  const n = serial * 8 + e;
  return `${10 + (g % 100)}.${c % 250}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
}

export function service(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { app: name } },
    spec: { type: 'ClusterIP', selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
  };
}

export function sourceSlice(spec: FleetSpec, c: number, namespace: string, name: string, serial: number, g = 0): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${name}-abcde`,
      namespace,
      labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    },
    addressType: 'IPv4',
    endpoints: Array.from({ length: spec.endpointsPerSlice }, (_, e) => ({
      addresses: [endpointIp(c, serial, e, g)],
      conditions: { ready: true },
      nodeName: `node-${e}`,
    })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export function serviceExport(namespace: string, name: string): KubeObject {
  return { apiVersion: MCS_V1BETA1, kind: 'ServiceExport', metadata: { name, namespace } };
}

/** Every object of cluster c, namespaces first; `serial` numbers its Services for endpoint IPs. */
export function clusterObjects(spec: FleetSpec, c: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let n = 0; n < spec.namespaces; n++) out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns${n}` } });
  const mine = exportedBy(spec, c);
  let serial = 0;
  for (const j of mine) {
    const ns = namespaceOf(spec, j);
    out.push(service(ns, `exp${j}`), sourceSlice(spec, c, ns, `exp${j}`, serial++), serviceExport(ns, `exp${j}`));
  }
  for (let k = 0; serial < spec.servicesPerCluster; k++) {
    const ns = `ns${k % spec.namespaces}`;
    out.push(service(ns, `svc${k}`), sourceSlice(spec, c, ns, `svc${k}`, serial++));
  }
  return out;
}

/** The serial (for endpointIp) of exported service j in cluster c. */
export function exportedSerial(spec: FleetSpec, c: number, j: number): number {
  return exportedBy(spec, c).indexOf(j);
}
