// Listen and client address forms: wildcard detection and IPv4-mapped IPv6 unwrapping.

export function isWildcard(address: string): boolean {
  return address === '' || address === '::' || address === '0.0.0.0';
}

/** The client's address without the `::ffff:` prefix a dual-stack socket adds. */
export function clientAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function clientFamily(address: string): 4 | 6 {
  return address.includes(':') && !(address.startsWith('::ffff:') && address.includes('.')) ? 6 : 4;
}
