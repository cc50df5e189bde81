// Pure conversion of raw Kubernetes objects (as parsed from YAML/JSON or handed over by a client)
// into the frozen records of model.ts. Problems come back as values naming the field, never as
// exceptions, so one bad object costs only itself.

import {
  FieldError,
  isDnsSubdomain,
  isRawObject,
  namespacedMeta,
  optionalList,
  optionalObject,
  optionalString,
  readPorts,
  requireDnsLabel,
  requireIp,
  show,
  type RawObject,
} from './object-fields.js';
import type { EndpointRecord, ImportRecord, ImportType, SliceRecord } from './model.js';

export type Conversion<T> =
  | { readonly ok: true; readonly record: T }
  | { readonly ok: false; readonly error: string };

/** An EndpointSlice can also be a valid object that simply is not ours (no MCS label, FQDN). */
export type SliceConversion = Conversion<SliceRecord> | { readonly ok: false; readonly ignored: string };

export const MCS_GROUP = 'multicluster.x-k8s.io';
export const IMPORT_API_VERSIONS: readonly string[] = [`${MCS_GROUP}/v1alpha1`, `${MCS_GROUP}/v1beta1`];
export const SLICE_API_VERSION = 'discovery.k8s.io/v1';
export const LABEL_SERVICE_NAME = 'multicluster.kubernetes.io/service-name';
export const LABEL_SOURCE_CLUSTER = 'multicluster.kubernetes.io/source-cluster';
export const ABOUT_GROUP = 'about.k8s.io';
export const CLUSTER_PROPERTY_API_VERSIONS: readonly string[] = [`${ABOUT_GROUP}/v1alpha1`, `${ABOUT_GROUP}/v1beta1`];
/** The ClusterProperty (KEP-2149, about-api) whose spec.value is the id of the cluster it lives in. */
export const CLUSTER_ID_PROPERTY = 'cluster.clusterset.k8s.io';

const IMPORT_TYPES: ReadonlySet<string> = new Set<ImportType>(['ClusterSetIP', 'Headless']);

/**
 * ServiceImport, `multicluster.x-k8s.io/v1alpha1` or `/v1beta1`. Both keep `type`, `ports` and
 * `ips` under `spec` (mcs-api's v1beta1 types do too); a v1beta1 object without `spec` is read
 * from the top level, the flattened shape mcs-api's v1alpha2 proposal used.
 */
export function toImportRecord(obj: unknown): Conversion<ImportRecord> {
  return converting(() => {
    const raw = requireKind(obj, 'ServiceImport', IMPORT_API_VERSIONS);
    const meta = namespacedMeta(raw);
    requireDnsLabel(meta.name, 'metadata.name');
    const flattened = raw['apiVersion'] === `${MCS_GROUP}/v1beta1` && raw['spec'] === undefined;
    const spec = flattened ? raw : (optionalObject(raw, 'spec', 'spec') ?? {});
    const at = flattened ? '' : 'spec.';

    const type = optionalString(spec, 'type', `${at}type`) || 'ClusterSetIP';
    if (!IMPORT_TYPES.has(type)) {
      throw new FieldError(`${at}type`, `${show(type)} is not ClusterSetIP or Headless`);
    }
    const rawIps = optionalList(spec, 'ips', `${at}ips`);
    if (rawIps.length > 2) throw new FieldError(`${at}ips`, `has ${rawIps.length} entries, at most 2`);
    const ips = rawIps.map((ip, i) => requireIp(ip, `${at}ips[${i}]`).address);
    const ports = readPorts(optionalList(spec, 'ports', `${at}ports`), `${at}ports`, false);

    return Object.freeze({
      namespace: meta.namespace,
      name: meta.name,
      // The literal, not the parsed string: one shared copy instead of one per import.
      type: type === 'Headless' ? 'Headless' : 'ClusterSetIP',
      ips: frozenExact(ips),
      ports: frozenExact(ports),
    });
  });
}

/**
 * EndpointSlice, `discovery.k8s.io/v1`. Only slices labelled with an MCS service name count; FQDN
 * slices are ignored. Addresses of the other family are dropped (the slice's addressType decides
 * A or AAAA), as are endpoints left without any address.
 */
export function toSliceRecord(obj: unknown): SliceConversion {
  try {
    return { ok: true, record: readSlice(obj) };
  } catch (err) {
    if (err instanceof NotServed) return { ok: false, ignored: err.reason };
    if (err instanceof FieldError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Why a well-formed object is not one of ours; thrown by readSlice, returned as `ignored`. */
class NotServed {
  constructor(readonly reason: string) {}
}

function readSlice(obj: unknown): SliceRecord {
  const raw = requireKind(obj, 'EndpointSlice', [SLICE_API_VERSION]);
  const meta = namespacedMeta(raw);
  const labelPath = (label: string): string => `metadata.labels['${label}']`;
  const serviceName = meta.labels[LABEL_SERVICE_NAME];
  if (serviceName === undefined || serviceName === null) {
    throw new NotServed(`no ${LABEL_SERVICE_NAME} label: not a multi-cluster EndpointSlice`);
  }
  if (typeof serviceName !== 'string') {
    throw new FieldError(labelPath(LABEL_SERVICE_NAME), `${show(serviceName)} is not a string`);
  }
  requireDnsLabel(serviceName, labelPath(LABEL_SERVICE_NAME));
  const clusterId =
    optionalString(meta.labels, LABEL_SOURCE_CLUSTER, labelPath(LABEL_SOURCE_CLUSTER)) ?? '';
  if (clusterId !== '') requireDnsLabel(clusterId, labelPath(LABEL_SOURCE_CLUSTER));

  const addressType = raw['addressType'];
  if (addressType === 'FQDN') throw new NotServed('addressType FQDN is not served');
  if (addressType !== 'IPv4' && addressType !== 'IPv6') {
    throw new FieldError('addressType', `${show(addressType)} is not IPv4, IPv6 or FQDN`);
  }
  const family = addressType === 'IPv4' ? 4 : 6;
  const endpoints: EndpointRecord[] = [];
  optionalList(raw, 'endpoints', 'endpoints').forEach((entry, i) => {
    const endpoint = readEndpoint(entry, `endpoints[${i}]`, family);
    if (endpoint !== null) endpoints.push(endpoint);
  });
  const ports = readPorts(optionalList(raw, 'ports', 'ports'), 'ports', true);

  return Object.freeze({
    namespace: meta.namespace,
    name: meta.name,
    serviceName,
    clusterId,
    addressType,
    ports: frozenExact(ports),
    endpoints: frozenExact(endpoints),
  });
}

/** A ClusterProperty other than the cluster id's is valid but not read. */
export type ClusterIdConversion = Conversion<string> | { readonly ok: false; readonly ignored: string };

/**
 * ClusterProperty (`about.k8s.io` v1alpha1 or v1beta1, cluster-scoped): the cluster id, from
 * `cluster.clusterset.k8s.io`'s spec.value, which must be an RFC 1123 subdomain as KEP-2149 asks
 * (the `local_cluster` option checks a given id the same way). Other properties are ignored.
 */
export function toClusterId(obj: unknown): ClusterIdConversion {
  try {
    const raw = requireKind(obj, 'ClusterProperty', CLUSTER_PROPERTY_API_VERSIONS);
    const metadata = optionalObject(raw, 'metadata', 'metadata');
    const name = metadata === undefined ? undefined : optionalString(metadata, 'name', 'metadata.name');
    if (name === undefined || name === '') throw new FieldError('metadata.name', 'missing');
    if (name !== CLUSTER_ID_PROPERTY) return { ok: false, ignored: `only the ClusterProperty ${CLUSTER_ID_PROPERTY} is read` };
    const value = optionalString(optionalObject(raw, 'spec', 'spec') ?? {}, 'value', 'spec.value') ?? '';
    if (!isDnsSubdomain(value)) {
      throw new FieldError('spec.value', `${show(value)} is not a cluster id (an RFC 1123 subdomain: lower-case letters, digits, '-' and '.', at most 253)`);
    }
    return { ok: true, record: value };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Namespace (`v1`): its name, a DNS label. */
export function toNamespaceName(obj: unknown): Conversion<string> {
  return converting(() => {
    const raw = requireKind(obj, 'Namespace', ['v1']);
    const metadata = optionalObject(raw, 'metadata', 'metadata');
    const name = metadata === undefined ? undefined : optionalString(metadata, 'name', 'metadata.name');
    if (name === undefined || name === '') throw new FieldError('metadata.name', 'missing');
    return requireDnsLabel(name, 'metadata.name');
  });
}

function readEndpoint(entry: unknown, at: string, family: 4 | 6): EndpointRecord | null {
  if (!isRawObject(entry)) throw new FieldError(at, `${show(entry)} is not an object`);
  const addresses: string[] = [];
  optionalList(entry, 'addresses', `${at}.addresses`).forEach((address, j) => {
    const ip = requireIp(address, `${at}.addresses[${j}]`);
    if (ip.family === family && !addresses.includes(ip.address)) addresses.push(ip.address);
  });
  const hostname = optionalString(entry, 'hostname', `${at}.hostname`) || null;
  if (hostname !== null) requireDnsLabel(hostname, `${at}.hostname`);
  const conditions = optionalObject(entry, 'conditions', `${at}.conditions`);
  const ready = conditions?.['ready'];
  if (ready !== undefined && ready !== null && typeof ready !== 'boolean') {
    throw new FieldError(`${at}.conditions.ready`, `${show(ready)} is not true or false`);
  }
  if (addresses.length === 0) return null;
  return Object.freeze({ addresses: frozenExact(addresses), hostname, ready: ready !== false });
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * A frozen copy of a list built by push(), with no spare capacity: V8 gives a pushed-to array room
 * for 17 elements, which for the one address of 100k endpoints is 13 MB of nothing.
 */
function frozenExact<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NONE : Object.freeze(list.slice());
}

function requireKind(obj: unknown, kind: string, apiVersions: readonly string[]): RawObject {
  if (!isRawObject(obj)) throw new FieldError('object', `${show(obj)} is not an object`);
  if (obj['kind'] !== kind) throw new FieldError('kind', `${show(obj['kind'])} is not ${kind}`);
  const apiVersion = obj['apiVersion'];
  if (typeof apiVersion !== 'string' || !apiVersions.includes(apiVersion)) {
    throw new FieldError('apiVersion', `${show(apiVersion)} is not supported (${apiVersions.join(', ')})`);
  }
  return obj;
}

function converting<T>(convert: () => T): Conversion<T> {
  try {
    return { ok: true, record: convert() };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, error: err.message };
    throw err;
  }
}
