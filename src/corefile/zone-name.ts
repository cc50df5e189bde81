// The text form of a zone as written in a Corefile key or a plugin argument, normalised the way
// CoreDNS does: lower case, fully qualified, and a CIDR (`10.0.0.0/24`, `fd00::/64`) turned into
// its reverse zone. Only CIDRs on a label boundary (octet for v4, nibble for v6) map to one zone.

import { isIPv4, isIPv6 } from 'node:net';
import { encodeName, lowerAscii, WireError } from '../dns/wire/names.js';

export type ZoneResult = { readonly ok: true; readonly zone: string } | { readonly ok: false; readonly reason: string };

/** `text` is a zone name or a CIDR, without scheme or port. */
export function zoneFromText(text: string): ZoneResult {
  if (text === '') return { ok: false, reason: 'zone is empty' };
  if (text.includes('/')) return reverseZoneOfCidr(text);
  if (/[\s:@]/.test(text)) return { ok: false, reason: `zone '${text}' is not a valid domain name` };
  const zone = fullyQualified(lowerAscii(text));
  try {
    encodeName(zone);
  } catch (err) {
    if (err instanceof WireError) return { ok: false, reason: `zone '${text}' is not a valid domain name (${err.message})` };
    throw err;
  }
  return { ok: true, zone };
}

function fullyQualified(name: string): string {
  return name.endsWith('.') && !name.endsWith('\\.') ? name : name + '.';
}

function reverseZoneOfCidr(text: string): ZoneResult {
  const slash = text.indexOf('/');
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const invalid: ZoneResult = { ok: false, reason: `invalid CIDR '${text}'` };
  if (!/^\d{1,3}$/.test(prefixText)) return invalid;
  const prefix = Number(prefixText);
  if (isIPv4(address)) {
    if (prefix > 32) return invalid;
    if (prefix % 8 !== 0) return notAligned(text, 8);
    const labels = address.split('.').slice(0, prefix / 8).map((o) => String(Number(o))).reverse();
    return { ok: true, zone: [...labels, 'in-addr', 'arpa', ''].join('.') };
  }
  const groups = isIPv6(address) && !address.includes('%') ? ipv6Groups(address) : null;
  if (groups === null) return invalid;
  if (prefix > 128) return invalid;
  if (prefix % 4 !== 0) return notAligned(text, 4);
  const nibbles = groups.map((g) => g.toString(16).padStart(4, '0')).join('');
  const labels = nibbles.slice(0, prefix / 4).split('').reverse();
  return { ok: true, zone: [...labels, 'ip6', 'arpa', ''].join('.') };
}

function notAligned(text: string, step: number): ZoneResult {
  return { ok: false, reason: `CIDR '${text}' has a prefix length that is not a multiple of ${step}, so it is not one reverse zone` };
}

/** The eight 16-bit groups of an address that `isIPv6` accepted (`::` and a dotted v4 tail). */
function ipv6Groups(address: string): number[] | null {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    if (!isIPv4(maybeV4)) return null;
    const o = maybeV4.split('.').map(Number) as [number, number, number, number];
    tail.push((o[0] << 8) | o[1], (o[2] << 8) | o[3]);
    // Drop the dotted tail, keeping a `::` it followed, e.g. `::ffff:1.2.3.4` -> `::ffff`.
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const gap = text.indexOf('::');
  let groups: number[];
  if (gap >= 0) {
    const head = parse(text.slice(0, gap));
    const rest = parse(text.slice(gap + 2));
    const fill = 8 - tail.length - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    groups = [...parse(text), ...tail];
  }
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
