// The imported EndpointSlices of one import in one importing cluster: for each member cluster its
// endpoints (addresses, conditions, hostname, zone) and ports, split at 100 endpoints per slice as
// the Kubernetes EndpointSlice controller does, under deterministic names.

import { parseKubeTime } from '../clock.js';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  LABEL_MCS_SERVICE_NAME,
  LABEL_SERVICE_NAME,
  LABEL_SLICE_MANAGED_BY,
  LABEL_SOURCE_CLUSTER,
  MANAGER_NAME,
  type Endpoint,
  type EndpointSlice,
  type OwnerReference,
} from '../objects.js';
import { canonicalJson, type OwnedFields } from './diff.js';
import { importedSliceName } from './naming.js';
import { importOwnerUids, ownedLabels, withImportOwner } from './owner.js';
import { canonicalPort, portsKey, wirePort, type CanonicalPort } from './ports.js';

export const MAX_ENDPOINTS_PER_SLICE = 100;

const OWNED_LABELS = [LABEL_MCS_SERVICE_NAME, LABEL_SOURCE_CLUSTER, LABEL_SLICE_MANAGED_BY, LABEL_SERVICE_NAME];

export interface SliceSource {
  readonly clusterId: string;
  readonly slices: readonly EndpointSlice[];
}

export interface SliceInputs {
  readonly namespace: string;
  readonly importName: string;
  /** The derived Service name for ClusterSetIP imports; null for Headless. */
  readonly derivedName: string | null;
  readonly owner: OwnerReference;
  readonly sources: readonly SliceSource[];
  readonly maxEndpoints?: number;
}

/** The endpoint as imported: what DNS and kube-proxy need, nothing tied to the source cluster's nodes or pods. */
export function importedEndpoint(e: Endpoint): Endpoint {
  const out: Endpoint = { addresses: [...e.addresses] };
  const c = e.conditions;
  if (c !== undefined) {
    const conditions: NonNullable<Endpoint['conditions']> = {};
    if (c.ready !== undefined && c.ready !== null) conditions.ready = c.ready;
    if (c.serving !== undefined && c.serving !== null) conditions.serving = c.serving;
    if (c.terminating !== undefined && c.terminating !== null) conditions.terminating = c.terminating;
    if (Object.keys(conditions).length > 0) out.conditions = conditions;
  }
  if (typeof e.hostname === 'string' && e.hostname !== '') out.hostname = e.hostname;
  if (typeof e.zone === 'string' && e.zone !== '') out.zone = e.zone;
  return out;
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  const ka = a.addresses[0] ?? '';
  const kb = b.addresses[0] ?? '';
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

interface Group {
  readonly addressType: string;
  readonly ports: readonly CanonicalPort[];
  readonly endpoints: Endpoint[];
  /** The latest last-change-trigger-time of the source slices in the group. */
  triggerTime: string | undefined;
}

function triggerTimeOf(slice: EndpointSlice): string | undefined {
  const t = slice.metadata?.annotations?.[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
  return t !== undefined && !Number.isNaN(parseKubeTime(t)) ? t : undefined;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return parseKubeTime(b) > parseKubeTime(a) ? b : a;
}

export function desiredImportedSlices(inp: SliceInputs): EndpointSlice[] {
  const max = inp.maxEndpoints ?? MAX_ENDPOINTS_PER_SLICE;
  const out: EndpointSlice[] = [];
  for (const source of [...inp.sources].sort((a, b) => (a.clusterId < b.clusterId ? -1 : 1))) {
    // Group the source's endpoints by address family and port set; a slice holds one of each.
    const groups = new Map<string, Group>();
    const seen = new Set<string>();
    for (const slice of source.slices) {
      if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
      const ports = (slice.ports ?? []).filter((p) => p.port !== undefined).map(canonicalPort);
      const key = `${slice.addressType}|${portsKey(ports)}`;
      let group = groups.get(key);
      if (group === undefined) {
        group = {
          addressType: slice.addressType,
          ports: [...ports].sort((a, b) => portsKey([a]).localeCompare(portsKey([b]))),
          endpoints: [],
          triggerTime: undefined,
        };
        groups.set(key, group);
      }
      // Carried over so that the importing cluster's DNS can measure programming latency end to end.
      group.triggerTime = later(group.triggerTime, triggerTimeOf(slice));
      for (const e of slice.endpoints ?? []) {
        const first = e.addresses[0];
        if (first === undefined) continue;
        const dedupe = `${slice.addressType}|${first}`;
        if (seen.has(dedupe)) continue;
        seen.add(dedupe);
        group.endpoints.push(importedEndpoint(e));
      }
    }
    const counters = new Map<string, number>();
    for (const key of [...groups.keys()].sort()) {
      const group = groups.get(key);
      if (group === undefined) continue;
      group.endpoints.sort(compareEndpoints);
      const chunks: Endpoint[][] = [];
      for (let i = 0; i < group.endpoints.length; i += max) chunks.push(group.endpoints.slice(i, i + max));
      // A source with ports but no endpoints still gets one (empty) slice, as Kubernetes keeps one.
      if (chunks.length === 0) chunks.push([]);
      for (const endpoints of chunks) {
        const index = counters.get(group.addressType) ?? 0;
        counters.set(group.addressType, index + 1);
        const labels: Record<string, string> = {
          [LABEL_MCS_SERVICE_NAME]: inp.importName,
          [LABEL_SOURCE_CLUSTER]: source.clusterId,
          [LABEL_SLICE_MANAGED_BY]: MANAGER_NAME,
        };
        if (inp.derivedName !== null) labels[LABEL_SERVICE_NAME] = inp.derivedName;
        out.push({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: importedSliceName(inp.importName, source.clusterId, group.addressType, index),
            namespace: inp.namespace,
            labels,
            ...(group.triggerTime !== undefined ? { annotations: { [ANNOTATION_LAST_CHANGE_TRIGGER_TIME]: group.triggerTime } } : {}),
            ownerReferences: [inp.owner],
          },
          addressType: group.addressType,
          endpoints,
          ports: group.ports.map(wirePort),
        });
      }
    }
  }
  return out;
}

export const importedSliceFields: OwnedFields<EndpointSlice> = {
  project: (s) => ({
    labels: ownedLabels(s.metadata?.labels, OWNED_LABELS),
    owners: importOwnerUids(s.metadata?.ownerReferences),
    addressType: s.addressType,
    endpoints: (s.endpoints ?? []).map(importedEndpoint).sort(compareEndpoints).map(canonicalJson),
    ports: portsKey((s.ports ?? []).map(canonicalPort)),
    triggerTime: s.metadata?.annotations?.[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] ?? '',
  }),
  merge: (actual, desired) => {
    const labels = { ...(actual.metadata?.labels ?? {}) };
    for (const k of OWNED_LABELS) delete labels[k];
    const annotations = { ...(actual.metadata?.annotations ?? {}) };
    delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
    Object.assign(annotations, desired.metadata?.annotations ?? {});
    const metadata = { ...actual.metadata };
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
    else delete metadata.annotations;
    return {
      ...actual,
      metadata: {
        ...metadata,
        labels: { ...labels, ...(desired.metadata?.labels ?? {}) },
        ownerReferences: withImportOwner(actual.metadata?.ownerReferences, desired.metadata?.ownerReferences ?? []),
      },
      endpoints: desired.endpoints ?? [],
      ports: desired.ports ?? [],
    };
  },
  mustReplace: (actual, desired) => actual.addressType !== desired.addressType,
};
