// Deterministic names for the objects the reconciler creates, so that a later pass (or another
// replica) finds them again instead of creating duplicates.

import { createHash } from 'node:crypto';
import type { DerivedServiceNaming } from '../config.js';
import { ANNOTATION_DERIVED_SERVICE } from '../objects.js';

// RFC 4648 "extended hex" alphabet, as Go's base32.HexEncoding.
const BASE32_HEX = '0123456789abcdefghijklmnopqrstuv';

export function base32Hex(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_HEX[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_HEX[(buffer << (5 - bits)) & 31];
  return out;
}

/** First `length` base32hex characters of sha256(text), lower case. */
export function shortHash(text: string, length = 10): string {
  return base32Hex(createHash('sha256').update(text).digest()).slice(0, length);
}

/**
 * The derived Service's name. `hash` is the MCS reference controller's scheme: "derived-" and the
 * first 10 base32hex characters of sha256("<namespace>/<name>"). `prefix` is prefix + name, falling
 * back to prefix + hash when that would not be a 63-character DNS label.
 */
export function derivedServiceName(naming: DerivedServiceNaming, namespace: string, name: string): string {
  const hash = shortHash(`${namespace}/${name}`);
  if (naming.naming === 'hash') return `derived-${hash}`;
  const candidate = `${naming.prefix}${name}`;
  return candidate.length <= 63 ? candidate : `${naming.prefix}${hash}`;
}

/** Name of the index-th imported slice of one source cluster and address family. */
export function importedSliceName(
  importName: string,
  clusterId: string,
  addressType: string,
  index: number,
): string {
  const name = `${importName}-${clusterId}-${addressType.toLowerCase()}-${index}`;
  return name.length <= 253 ? name : `imported-${shortHash(name, 20)}-${index}`;
}

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The derived Service's name in one importing cluster: the one the ServiceImport's
 * `multicluster.kubernetes.io/derived-service` annotation names when it holds a valid Service
 * name (set by a user on a hand-made import, or by us earlier), else the configured scheme's. An
 * existing import thus keeps its derived Service, and its clusterset IP, when the scheme changes.
 */
export function derivedNameOf(
  naming: DerivedServiceNaming,
  namespace: string,
  name: string,
  serviceImport: { metadata?: { annotations?: Record<string, string> } } | null,
): string {
  const named = serviceImport?.metadata?.annotations?.[ANNOTATION_DERIVED_SERVICE];
  return named !== undefined && DNS_1035_LABEL.test(named) ? named : derivedServiceName(naming, namespace, name);
}
