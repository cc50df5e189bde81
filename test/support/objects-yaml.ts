// Kubernetes objects as YAML text for objects-file fixtures that are generated rather than written
// out: a Headless ServiceImport with one EndpointSlice of the given endpoints.

export interface EndpointText {
  readonly ip: string;
  readonly hostname?: string;
}

export function headlessImportYaml(
  name: string,
  endpoints: readonly EndpointText[],
  opts: { namespace?: string; cluster?: string; ports?: string } = {},
): string {
  const ns = opts.namespace ?? 'apps';
  const eps = endpoints
    .map((e) => `  - {addresses: [${e.ip}]${e.hostname === undefined ? '' : `, hostname: ${e.hostname}`}}`)
    .join('\n');
  return `apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: ${name}, namespace: ${ns}}
spec: {type: Headless}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}-1
  namespace: ${ns}
  labels: {multicluster.kubernetes.io/service-name: ${name}, multicluster.kubernetes.io/source-cluster: ${opts.cluster ?? 'east'}}
addressType: IPv4
${opts.ports === undefined ? '' : `ports: ${opts.ports}\n`}endpoints:
${eps}
`;
}
