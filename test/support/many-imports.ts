// Generated objects files of many services, for the tests and the bench of large objects files:
// each service a ClusterSetIP ServiceImport with one EndpointSlice, spread over 200 namespaces.

/** `count` services named `${prefix}N`; the import's IP encodes N, so a changed prefix changes every answer. */
export function manyImportsYaml(count: number, prefix = 'svc', ipBase = 10): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const ns = `ns${i % 200}`;
    const ip = `${ipBase}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    parts.push(`apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata:
  name: ${prefix}${i}
  namespace: ${ns}
spec:
  type: ClusterSetIP
  ips: [${ip}]
  ports:
  - {name: http, port: 80, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${prefix}${i}-east
  namespace: ${ns}
  labels:
    multicluster.kubernetes.io/service-name: ${prefix}${i}
    multicluster.kubernetes.io/source-cluster: east
addressType: IPv4
ports:
- {name: http, port: 8080, protocol: TCP}
endpoints:
- addresses: [10.200.${(i >> 8) & 255}.${i & 255}]
`);
  }
  return parts.join('---\n');
}
