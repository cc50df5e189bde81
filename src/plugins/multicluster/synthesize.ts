// Record synthesis for the clusterset zone: a pure function of a ZoneView and a question.
// No I/O, no clock, no logger: (view, zone, name, type) -> answer | NODATA | NXDOMAIN.
// The rules are the spec's dns-behaviour.md, plus `local_cluster`'s local-cluster-first for
// headless answers (the ServiceView carries the cluster); the handler adds SOA, rcodes and the wire.

import { QType } from '../../dns/constants.js';
import type { RR } from '../../dns/wire/rr.js';
import type { PortRecord } from '../../sources/model.js';
import type { EndpointView, ServiceView, ZoneView } from './zone-view.js';

export interface ZoneParams {
  readonly ttl: number;
  /** The plugin's first forward (non-reverse) zone: PTR targets and reverse SOA/NS use it. */
  readonly firstForwardZone: string;
  readonly serial: number;
}

export type Synthesis =
  | { readonly kind: 'answer'; readonly answer: readonly RR[]; readonly additional: readonly RR[] }
  | { readonly kind: 'nodata' }
  | { readonly kind: 'nxdomain' };

export const NODATA: Synthesis = Object.freeze({ kind: 'nodata' });
export const NXDOMAIN: Synthesis = Object.freeze({ kind: 'nxdomain' });

export const DNS_VERSION = '1.1.0';
export const DNS_VERSION_TTL = 28800;

/** Records of an existing name, per type. */
type NameRecords = (qtype: number) => { answer: RR[]; additional: RR[] };

const none = (): { answer: RR[]; additional: RR[] } => ({ answer: [], additional: [] });

export function isReverseZone(zone: string): boolean {
  return zone.endsWith('in-addr.arpa.') || zone.endsWith('ip6.arpa.');
}

export function soaRecord(zone: string, params: ZoneParams): RR {
  const base = isReverseZone(zone) ? params.firstForwardZone : zone;
  return {
    name: zone,
    ttl: params.ttl,
    type: QType.SOA,
    mname: `ns.dns.${base}`,
    rname: `hostmaster.${base}`,
    serial: params.serial,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: params.ttl,
  };
}

function addressRecords(name: string, ttl: number, qtype: number, addrs: readonly { address: string; family: 4 | 6 }[]): RR[] {
  const out: RR[] = [];
  const seen = new Set<string>();
  for (const a of addrs) {
    if (seen.has(a.address)) continue;
    if (qtype === QType.A && a.family === 4) out.push({ name, ttl, type: QType.A, address: a.address });
    else if (qtype === QType.AAAA && a.family === 6) out.push({ name, ttl, type: QType.AAAA, address: a.address });
    else continue;
    seen.add(a.address);
  }
  return out;
}

function familyOf(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

function addressesOfTarget(name: string, ttl: number, addrs: readonly { address: string; family: 4 | 6 }[]): RR[] {
  return [...addressRecords(name, ttl, QType.A, addrs), ...addressRecords(name, ttl, QType.AAAA, addrs)];
}

interface SrvTarget {
  readonly target: string;
  readonly port: number;
  readonly addrs: readonly { address: string; family: 4 | 6 }[];
}

/**
 * Local cluster first: the items of `cluster` when there are any, else all of them. Applied to
 * the records of one answer (a headless service's addresses of the asked family, its SRV targets
 * for the asked ports), so the preference never empties an answer that has records: a client
 * that can use only what it asked for still gets every cluster's when its own has none.
 */
function preferCluster<T extends { readonly clusterId: string }>(items: readonly T[], cluster: string | null): readonly T[] {
  if (cluster === null) return items;
  const local = items.filter((x) => x.clusterId === cluster);
  return local.length > 0 ? local : items;
}

function srvAnswer(owner: string, ttl: number, targets: readonly SrvTarget[]): { answer: RR[]; additional: RR[] } {
  const unique = new Map<string, SrvTarget>();
  for (const t of targets) {
    const k = `${t.port} ${t.target}`;
    if (!unique.has(k)) unique.set(k, t);
  }
  if (unique.size === 0) return none();
  const weight = Math.floor(100 / unique.size);
  const answer: RR[] = [];
  const additional: RR[] = [];
  const addlDone = new Set<string>();
  for (const t of unique.values()) {
    answer.push({ name: owner, ttl, type: QType.SRV, priority: 0, weight, port: t.port, target: t.target });
    if (addlDone.has(t.target)) continue;
    addlDone.add(t.target);
    additional.push(...addressesOfTarget(t.target, ttl, t.addrs));
  }
  return { answer, additional };
}

function matchesPort(p: PortRecord, portLabel: string | null, protoLabel: string | null): boolean {
  if (portLabel !== null && p.name.toLowerCase() !== portLabel) return false;
  if (protoLabel !== null && p.protocol.toLowerCase() !== protoLabel) return false;
  return true;
}

/**
 * SRV targets of a service, restricted to ports matching `_port._proto` when given; a headless
 * service's are the local cluster's when it has any for those ports.
 */
function serviceSrvTargets(sv: ServiceView, zone: string, portLabel: string | null, protoLabel: string | null): readonly SrvTarget[] {
  const svcName = `${sv.imp.name}.${sv.imp.namespace}.svc.${zone}`;
  if (sv.imp.type === 'ClusterSetIP') {
    const addrs = sv.imp.ips.map((ip) => ({ address: ip, family: familyOf(ip) }));
    return sv.imp.ports
      .filter((p) => matchesPort(p, portLabel, protoLabel))
      .map((p) => ({ target: svcName, port: p.port, addrs }));
  }
  const out: (SrvTarget & { readonly clusterId: string })[] = [];
  for (const ep of sv.endpoints) {
    const host = `${ep.label}.${ep.clusterId}.${svcName}`;
    const addrs = sv.hosts.get(`${ep.label}.${ep.clusterId}`) ?? [ep];
    for (const p of ep.ports) {
      if (matchesPort(p, portLabel, protoLabel)) out.push({ target: host, port: p.port, addrs, clusterId: ep.clusterId });
    }
  }
  return preferCluster(out, sv.preferCluster);
}

/** Whether `_port._proto` names a port of the service (the name exists even when it has no targets). */
function hasPort(sv: ServiceView, portLabel: string, protoLabel: string): boolean {
  const ports = sv.imp.type === 'ClusterSetIP' ? sv.imp.ports : sv.endpoints.flatMap((e) => e.ports);
  return ports.some((p) => matchesPort(p, portLabel, protoLabel));
}

function serviceName(sv: ServiceView, owner: string, zone: string, ttl: number): NameRecords | null {
  if (sv.imp.type === 'Headless') {
    if (sv.endpoints.length === 0) return null; // spec: headless with no ready endpoint is NXDOMAIN
    return (qtype) => {
      if (qtype === QType.A || qtype === QType.AAAA) {
        const family = qtype === QType.A ? 4 : 6;
        const eps = preferCluster(sv.endpoints.filter((e) => e.family === family), sv.preferCluster);
        return { answer: addressRecords(owner, ttl, qtype, eps), additional: [] };
      }
      if (qtype === QType.SRV) return srvAnswer(owner, ttl, serviceSrvTargets(sv, zone, null, null));
      return none();
    };
  }
  return (qtype) => {
    if (qtype === QType.A || qtype === QType.AAAA) {
      return { answer: addressRecords(owner, ttl, qtype, sv.imp.ips.map((ip) => ({ address: ip, family: familyOf(ip) }))), additional: [] };
    }
    if (qtype === QType.SRV) return srvAnswer(owner, ttl, serviceSrvTargets(sv, zone, null, null));
    return none();
  };
}

function hostName(eps: readonly EndpointView[], owner: string, ttl: number): NameRecords {
  return (qtype) => ({ answer: qtype === QType.A || qtype === QType.AAAA ? addressRecords(owner, ttl, qtype, eps) : [], additional: [] });
}

/** Resolves a name inside a forward zone to its records, or null when the name does not exist. */
function forwardName(view: ZoneView, params: ZoneParams, zone: string, owner: string, labels: readonly string[]): NameRecords | null {
  const ttl = params.ttl;
  const n = labels.length;
  if (n === 0) {
    return (qtype) => {
      if (qtype === QType.SOA) return { answer: [soaRecord(zone, params)], additional: [] };
      if (qtype === QType.NS) return { answer: [{ name: owner, ttl, type: QType.NS, target: `ns.dns.${zone}` }], additional: [] };
      return none();
    };
  }
  const last = labels[n - 1]!;
  if (n === 1 && last === 'dns-version') {
    return (qtype) => ({
      answer: qtype === QType.TXT ? [{ name: owner, ttl: DNS_VERSION_TTL, type: QType.TXT, texts: [DNS_VERSION] }] : [],
      additional: [],
    });
  }
  if (last === 'dns') return n <= 2 && (n === 1 || labels[0] === 'ns') ? none : null;
  if (last !== 'svc' && last !== 'pod') return null;
  if (n === 1) return none;
  const ns = labels[n - 2]!;
  if (!view.namespaces.has(ns)) return null;
  if (n === 2) return none;
  const sv = view.services.get(`${ns}/${labels[n - 3]!}`);
  if (sv === undefined) return null;
  if (n === 3) return serviceName(sv, owner, zone, ttl);
  if (n !== 5) return null; // `cid.svc.ns.svc.Z` is reserved; deeper names do not exist
  const a = labels[0]!;
  const b = labels[1]!;
  if (a.startsWith('_') && b.startsWith('_')) {
    const portLabel = a.slice(1);
    const protoLabel = b.slice(1);
    if (!hasPort(sv, portLabel, protoLabel)) return null;
    return (qtype) => (qtype === QType.SRV ? srvAnswer(owner, ttl, serviceSrvTargets(sv, zone, portLabel, protoLabel)) : none());
  }
  const eps = sv.hosts.get(`${a}.${b}`);
  if (eps === undefined || eps.length === 0) return null;
  return hostName(eps, owner, ttl);
}

/** The address a reverse name spells, in canonical text, or null. */
export function addressFromReverse(lname: string): string | null {
  if (lname.endsWith('.in-addr.arpa.')) {
    const parts = lname.slice(0, -'.in-addr.arpa.'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return null;
    return parts.reverse().join('.');
  }
  if (lname.endsWith('.ip6.arpa.')) {
    const nibbles = lname.slice(0, -'.ip6.arpa.'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return null;
    const hex = nibbles.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4).replace(/^0+(?=.)/, ''));
    return compressIpv6(groups);
  }
  return null;
}

function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

function reverseName(view: ZoneView, params: ZoneParams, zone: string, owner: string, lname: string): NameRecords | null {
  const ttl = params.ttl;
  if (lname === zone) {
    return (qtype) => {
      if (qtype === QType.SOA) return { answer: [soaRecord(zone, params)], additional: [] };
      if (qtype === QType.NS) return { answer: [{ name: owner, ttl, type: QType.NS, target: `ns.dns.${params.firstForwardZone}` }], additional: [] };
      return none();
    };
  }
  const address = addressFromReverse(lname);
  const owners = address === null ? undefined : view.reverse.get(address);
  if (owners === undefined || owners.length === 0) return null;
  const targets: string[] = [];
  for (const o of owners) {
    const [ns, name] = o.key.split('/') as [string, string];
    const svc = `${name}.${ns}.svc.${params.firstForwardZone}`;
    targets.push(o.kind === 'service' ? svc : `${o.host}.${svc}`);
  }
  return (qtype) => ({
    answer: qtype === QType.PTR ? [...new Set(targets)].map((target) => ({ name: owner, ttl, type: QType.PTR, target }) as RR) : [],
    additional: [],
  });
}

/**
 * Answers `lname` (lower case, trailing dot, inside `zone`) for `qtype`.
 * `owner` is the owner name records carry (the question's name).
 */
export function synthesize(view: ZoneView, params: ZoneParams, zone: string, lname: string, qtype: number, owner = lname): Synthesis {
  let node: NameRecords | null;
  if (isReverseZone(zone)) {
    node = reverseName(view, params, zone, owner, lname);
  } else {
    const rel = lname.length > zone.length ? lname.slice(0, zone === '.' ? -1 : lname.length - zone.length - 1) : '';
    const labels = rel === '' ? [] : rel.split('.');
    node = forwardName(view, params, zone, owner, labels);
  }
  if (node === null) return NXDOMAIN;
  if (qtype === QType.ANY) {
    return { kind: 'answer', answer: [{ name: owner, ttl: params.ttl, type: QType.HINFO, cpu: 'RFC8482', os: '' }], additional: [] };
  }
  const { answer, additional } = node(qtype);
  return answer.length === 0 ? NODATA : { kind: 'answer', answer, additional };
}
