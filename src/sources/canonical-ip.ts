// Canonical text form of the IP addresses objects carry (ServiceImport spec.ips, EndpointSlice
// addresses), and the DNS label derived from one. Everything that compares, indexes or prints an
// address goes through canonicalIp first, so `FD00:0::1` and `fd00::1` are the same endpoint.

export interface CanonicalIp {
  /** Dotted quad for IPv4 (and IPv4-mapped IPv6); RFC 5952 text for IPv6. */
  readonly address: string;
  readonly family: 4 | 6;
}

// The longest valid text form: eight groups with the last two as a dotted quad (45 characters).
const MAX_TEXT_LENGTH = 45;
const IPV4_PART = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses an IPv4 dotted quad (strict: four decimal parts 0..255, no leading zeros, which would be
 * ambiguous between octal and decimal) or an IPv6 address (RFC 4291 text, optionally ending in a
 * dotted quad). Zones (`%eth0`), prefixes (`/24`), brackets and whitespace are rejected.
 * An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is the IPv4 address it maps, as Go's net.IP
 * (and therefore CoreDNS) treats it: it answers A, not AAAA.
 */
export function canonicalIp(text: string): CanonicalIp | null {
  if (text.length === 0 || text.length > MAX_TEXT_LENGTH) return null;
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === null ? null : { address: v4.join('.'), family: 4 };
  }
  const groups = parseIpv6(text);
  if (groups === null) return null;
  if (isIpv4Mapped(groups)) {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    return { address: [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.'), family: 4 };
  }
  return { address: formatIpv6(groups), family: 6 };
}

/**
 * The DNS label of an endpoint named by its address: the canonical text with `.` and `:` replaced
 * by `-` (`10.1.2.3` -> `10-1-2-3`, `fd00::1` -> `fd00--1`). Expects canonical text.
 */
export function endpointLabel(address: string): string {
  return address.replace(/[.:]/g, '-');
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!IPV4_PART.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    octets.push(value);
  }
  return octets;
}

/** Eight 16-bit groups, or null. */
function parseIpv6(text: string): number[] | null {
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return null;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  if (gap === -1 && head === '') return null;
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const lastIsHead = tailParts.length === 0 && gap === -1;

  const headGroups = parseGroups(headParts, lastIsHead);
  const tailGroups = parseGroups(tailParts, true);
  if (headGroups === null || tailGroups === null) return null;

  const count = headGroups.length + tailGroups.length;
  if (gap === -1) return count === 8 ? headGroups : null;
  // `::` stands for at least one zero group (RFC 4291 section 2.2).
  if (count > 7) return null;
  return [...headGroups, ...new Array<number>(8 - count).fill(0), ...tailGroups];
}

/** Parses colon-separated parts; a dotted quad is allowed only as the very last part. */
function parseGroups(parts: readonly string[], mayEndInIpv4: boolean): number[] | null {
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part.includes('.')) {
      if (!mayEndInIpv4 || i !== parts.length - 1) return null;
      const v4 = parseIpv4(part);
      if (v4 === null) return null;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!HEX_GROUP.test(part)) return null;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function isIpv4Mapped(groups: readonly number[]): boolean {
  for (let i = 0; i < 5; i++) if (groups[i] !== 0) return false;
  return groups[5] === 0xffff;
}

/**
 * RFC 5952 text of eight 16-bit groups: lower case, no leading zeros, the first longest run
 * (two or more) of zero groups as `::`.
 */
export function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  const before = hex.slice(0, bestStart).join(':');
  const after = hex.slice(bestStart + bestLength).join(':');
  return `${before}::${after}`;
}
