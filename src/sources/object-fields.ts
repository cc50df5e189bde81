// Reading fields out of raw Kubernetes objects (parsed JSON/YAML, so `unknown`), with every
// problem reported as a FieldError that names the field's path (`spec.ports[1].port`). Shared by
// the converters of each kind so their messages read the same.

import { canonicalIp, type CanonicalIp } from './canonical-ip.js';
import type { PortProtocol, PortRecord } from './model.js';

/** Thrown only inside the converters and turned into an error value at their boundary. */
export class FieldError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'FieldError';
  }
}

export type RawObject = Readonly<Record<string, unknown>>;

export function isRawObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a value appears in a message: strings quoted, everything else as JSON (bounded). */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** An optional nested object: absent or null gives undefined. */
export function optionalObject(parent: RawObject, key: string, path: string): RawObject | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (!isRawObject(value)) throw new FieldError(path, `${show(value)} is not an object`);
  return value;
}

/** An optional list: absent or null gives an empty list. */
export function optionalList(parent: RawObject, key: string, path: string): readonly unknown[] {
  const value = parent[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(path, `${show(value)} is not a list`);
  return value;
}

/** An optional string: absent or null gives undefined. */
export function optionalString(parent: RawObject, key: string, path: string): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new FieldError(path, `${show(value)} is not a string`);
  return value;
}

// RFC 1123 label, as Kubernetes validates namespace names, hostnames and label-like names.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

/** RFC 1123 subdomain, as Kubernetes validates object names: DNS labels joined by '.', at most 253. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every(isDnsLabel);
}

/** Checks that a name can be one label of a DNS name (it becomes part of the names we serve). */
export function requireDnsLabel(value: string, path: string): string {
  if (!isDnsLabel(value)) {
    throw new FieldError(
      path,
      `${show(value)} is not a DNS label (lower-case letters, digits and '-', at most 63)`,
    );
  }
  return value;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: RawObject;
}

/** metadata.name (a DNS label) and metadata.namespace of a namespaced object. */
export function namespacedMeta(obj: RawObject): ObjectMeta {
  const metadata = optionalObject(obj, 'metadata', 'metadata');
  if (metadata === undefined) throw new FieldError('metadata', 'missing');
  const name = optionalString(metadata, 'name', 'metadata.name');
  if (name === undefined || name === '') throw new FieldError('metadata.name', 'missing');
  const namespace = optionalString(metadata, 'namespace', 'metadata.namespace');
  if (namespace === undefined || namespace === '') {
    throw new FieldError('metadata.namespace', 'missing');
  }
  requireDnsLabel(namespace, 'metadata.namespace');
  const labels = optionalObject(metadata, 'labels', 'metadata.labels') ?? {};
  return { name, namespace, labels };
}

export function requireIp(value: unknown, path: string): CanonicalIp {
  if (typeof value !== 'string') throw new FieldError(path, `${show(value)} is not a string`);
  const ip = canonicalIp(value);
  if (ip === null) throw new FieldError(path, `${show(value)} is not an IP address`);
  return ip;
}

const PROTOCOLS: ReadonlySet<string> = new Set<PortProtocol>(['TCP', 'UDP', 'SCTP']);

/**
 * A list of ports as ServiceImport and EndpointSlice write them: `name` optional (""), `protocol`
 * TCP|UDP|SCTP defaulting to TCP, `port` 1..65535. When `portOptional` (EndpointSlice, where a
 * missing port means "all ports"), a port entry without `port` is skipped rather than an error.
 */
export function readPorts(list: readonly unknown[], path: string, portOptional: boolean): PortRecord[] {
  const ports: PortRecord[] = [];
  list.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (!isRawObject(entry)) throw new FieldError(at, `${show(entry)} is not an object`);
    const name = optionalString(entry, 'name', `${at}.name`) ?? '';
    const protocol = optionalString(entry, 'protocol', `${at}.protocol`) ?? 'TCP';
    if (!PROTOCOLS.has(protocol)) {
      throw new FieldError(`${at}.protocol`, `${show(protocol)} is not one of TCP, UDP, SCTP`);
    }
    const port = entry['port'];
    if (port === undefined || port === null) {
      if (portOptional) return;
      throw new FieldError(`${at}.port`, 'missing');
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new FieldError(`${at}.port`, `${show(port)} is not a port number (1..65535)`);
    }
    ports.push(Object.freeze({ name, protocol: protocol as PortProtocol, port }));
  });
  return ports;
}
