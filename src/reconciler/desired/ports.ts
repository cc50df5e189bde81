// Canonical port forms shared by exports, imports, derived Services and slices: protocol defaults
// to TCP, an unnamed port has name "", and appProtocol is kept only when set.

import type { EndpointPort, ImportPort, ServicePort } from '../objects.js';

export interface CanonicalPort {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly appProtocol?: string;
}

export function canonicalPort(p: ServicePort | ImportPort | EndpointPort): CanonicalPort {
  const base = { name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? 0 };
  return p.appProtocol === undefined || p.appProtocol === '' ? base : { ...base, appProtocol: p.appProtocol };
}

/** The form written into objects: no empty name, no absent fields. */
export function wirePort(p: CanonicalPort): ImportPort {
  const out: ImportPort = { protocol: p.protocol, port: p.port };
  if (p.name !== '') out.name = p.name;
  if (p.appProtocol !== undefined) out.appProtocol = p.appProtocol;
  return out;
}

export function portsKey(ports: readonly CanonicalPort[]): string {
  return ports
    .map((p) => `${p.name}/${p.protocol}/${p.port}/${p.appProtocol ?? ''}`)
    .sort()
    .join(',');
}
