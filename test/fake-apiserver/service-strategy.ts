// What the apiserver does to a Service on create, update and delete beyond plain storage: spec
// defaults (and the empty load balancer status every Service has), ClusterIP(s) allocation for
// single- and dual-stack, immutability of allocated IPs, and releasing them when the Service goes
// away.

import { invalid } from './api-error.js';
import type { IpAllocator, IpFamily } from './ip-allocator.js';
import type { ResourceDef } from './resources.js';
import { isRecord, type KubeObject } from './types.js';

type Spec = Record<string, unknown>;

function specOf(obj: KubeObject): Spec {
  if (!isRecord(obj.spec)) obj.spec = {};
  return obj.spec as Spec;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

function defaultPorts(spec: Spec): void {
  if (!Array.isArray(spec.ports)) return;
  for (const port of spec.ports) {
    if (!isRecord(port)) continue;
    port.protocol ??= 'TCP';
    if (port.targetPort === undefined && typeof port.port === 'number') port.targetPort = port.port;
  }
}

function familyOf(ip: string): IpFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

export class ServiceStrategy {
  constructor(
    private readonly def: ResourceDef,
    /** Primary family first. */
    private readonly allocators: readonly IpAllocator[],
  ) {}

  private allocatorFor(family: IpFamily): IpAllocator | undefined {
    return this.allocators.find((a) => a.family === family);
  }

  prepareCreate(obj: KubeObject): void {
    const name = obj.metadata.name ?? '';
    const spec = specOf(obj);
    // The Go type always serializes its (empty) load balancer status, so a Service reads back with one.
    obj.status = { loadBalancer: {} };
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    defaultPorts(spec);
    if (spec.type === 'ExternalName') return;
    spec.internalTrafficPolicy ??= 'Cluster';

    const requested = stringList(spec.clusterIPs).length > 0 ? stringList(spec.clusterIPs) : stringList([spec.clusterIP]);
    const policy = typeof spec.ipFamilyPolicy === 'string' ? spec.ipFamilyPolicy : 'SingleStack';
    if (!['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(policy)) {
      throw invalid(this.def, name, 'spec.ipFamilyPolicy', `Unsupported value: "${policy}"`, 'FieldValueNotSupported');
    }
    const primary = this.allocators[0]?.family ?? 'IPv4';
    let families: IpFamily[] = stringList(spec.ipFamilies).filter((f): f is IpFamily => f === 'IPv4' || f === 'IPv6');
    if (families.length === 0) {
      const first = requested[0] !== undefined && requested[0] !== 'None' ? familyOf(requested[0]) : primary;
      families = [first];
    }
    const dualCapable = this.allocators.length > 1;
    if (policy === 'RequireDualStack' && !dualCapable) {
      throw invalid(this.def, name, 'spec.ipFamilyPolicy', `Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`);
    }
    if (policy !== 'SingleStack' && dualCapable && families.length === 1) {
      families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
    }
    if (policy === 'SingleStack' && families.length > 1) {
      throw invalid(this.def, name, 'spec.ipFamilies', `Invalid value: ${JSON.stringify(families)}: when spec.ipFamilyPolicy is SingleStack only one ipFamily is allowed`);
    }
    for (const family of families) {
      if (this.allocatorFor(family) === undefined) {
        throw invalid(this.def, name, 'spec.ipFamilies', `Invalid value: "${family}": not configured on this cluster`);
      }
    }
    spec.ipFamilyPolicy = policy;
    spec.ipFamilies = families;

    if (requested[0] === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    const reserved: { allocator: IpAllocator; ip: string }[] = [];
    try {
      const ips = families.map((family, index) => {
        const allocator = this.allocatorFor(family) as IpAllocator;
        const want = requested[index];
        if (want === undefined) {
          const ip = allocator.allocate();
          reserved.push({ allocator, ip });
          return ip;
        }
        const canonical = allocator.canonical(want);
        const result = canonical === null ? 'outside' : allocator.reserve(canonical);
        if (result !== 'ok') {
          const why =
            result === 'taken'
              ? 'provided IP is already allocated'
              : `provided IP is not in the valid range. The range of valid IPs is ${allocator.cidr}`;
          throw invalid(this.def, name, 'spec.clusterIPs', `Invalid value: ${JSON.stringify(requested)}: failed to allocate IP ${want}: ${why}`);
        }
        const ip = canonical as string;
        reserved.push({ allocator, ip });
        return ip;
      });
      spec.clusterIP = ips[0];
      spec.clusterIPs = ips;
    } catch (err) {
      for (const r of reserved) r.allocator.release(r.ip);
      throw err;
    }
  }

  prepareUpdate(obj: KubeObject, old: KubeObject): void {
    const name = obj.metadata.name ?? '';
    const spec = specOf(obj);
    const oldSpec = specOf(old);
    spec.type ??= oldSpec.type ?? 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    defaultPorts(spec);
    if (spec.type === 'ExternalName') return;
    spec.internalTrafficPolicy ??= 'Cluster';
    // Allocated values the client left out are carried over, as the real Service REST storage does.
    const oldIps = stringList(oldSpec.clusterIPs);
    const newIps = stringList(spec.clusterIPs).length > 0 ? stringList(spec.clusterIPs) : stringList([spec.clusterIP]);
    if (newIps.length === 0) {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs;
    } else if (newIps[0] !== oldIps[0] || (newIps.length > 1 && newIps[1] !== oldIps[1])) {
      throw invalid(this.def, name, 'spec.clusterIPs[0]', `Invalid value: ${JSON.stringify(newIps)}: may not change once set`);
    } else {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs;
    }
    spec.ipFamilies ??= oldSpec.ipFamilies;
    spec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy;
  }

  prepareStatusUpdate(obj: KubeObject): void {
    const status = isRecord(obj.status) ? obj.status : {};
    status.loadBalancer ??= {};
    obj.status = status;
  }

  afterDelete(obj: KubeObject): void {
    const spec = specOf(obj);
    for (const ip of stringList(spec.clusterIPs)) {
      if (ip === 'None') continue;
      this.allocatorFor(familyOf(ip))?.release(ip);
    }
  }
}
