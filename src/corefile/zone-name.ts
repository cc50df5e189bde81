// The text form of a zone as written in a Corefile key or a plugin argument, normalised the way
// CoreDNS does: lower case, fully qualified, and a CIDR (`10.0.0.0/24`, `fd00::/64`) turned into
// the reverse zones it covers. A CIDR on a label boundary (octet for v4, nibble for v6) is one
// zone; any other prefix is widened to the next boundary and stands for every zone at that length
// inside it (`10.0.0.0/15` is `0.10.in-addr.arpa.` and `1.10.in-addr.arpa.`), as CoreDNS's
// plugin/pkg/cidr does, so a non-aligned service CIDR such as `10.96.0.0/12` can still be served.

import { isIPv4, isIPv6 } from 'node:net';
import { encodeName, lowerAscii, WireError } from '../dns/wire/names.js';

export type ZonesResult = { readonly ok: true; readonly zones: readonly string[] } | { readonly ok: false; readonly reason: string };

/** `text` is a zone name or a CIDR, without scheme or port; a CIDR may stand for several zones. */
export function zonesFromText(text: string): ZonesResult {
  if (text === '') return { ok: false, reason: 'zone is empty' };
  if (text.includes('/')) return reverseZonesOfCidr(text);
  if (/[\s:@]/.test(text)) return { ok: false, reason: `zone '${text}' is not a valid domain name` };
  const zone = fullyQualified(lowerAscii(text));
  try {
    encodeName(zone);
  } catch (err) {
    if (err instanceof WireError) return { ok: false, reason: `zone '${text}' is not a valid domain name (${err.message})` };
    throw err;
  }
  return { ok: true, zones: [zone] };
}

function fullyQualified(name: string): string {
  return name.endsWith('.') && !name.endsWith('\\.') ? name : name + '.';
}

function reverseZonesOfCidr(text: string): ZonesResult {
  const slash = text.indexOf('/');
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const invalid: ZonesResult = { ok: false, reason: `invalid CIDR '${text}'` };
  if (!/^\d{1,3}$/.test(prefixText)) return invalid;
  const prefix = Number(prefixText);
  if (isIPv4(address)) {
    if (prefix > 32) return invalid;
    const octets = address.split('.').map(Number);
    return { ok: true, zones: reverseZones(octets, 8, prefix, (v) => String(v), 'in-addr.arpa.') };
  }
  const groups = isIPv6(address) && !address.includes('%') ? ipv6Groups(address) : null;
  if (groups === null) return invalid;
  if (prefix > 128) return invalid;
  const nibbles = groups.flatMap((g) => [g >> 12, (g >> 8) & 0xf, (g >> 4) & 0xf, g & 0xf]);
  return { ok: true, zones: reverseZones(nibbles, 4, prefix, (v) => v.toString(16), 'ip6.arpa.') };
}

/**
 * The reverse zones of `prefix` bits of an address given as label-sized units (octets or
 * nibbles). Host bits are masked off, as Go's net.ParseCIDR does. A prefix inside a unit is
 * widened to the unit's end: the bits between vary, one zone per value, in ascending order.
 */
function reverseZones(units: readonly number[], unitBits: number, prefix: number, label: (v: number) => string, suffix: string): string[] {
  const whole = Math.ceil(prefix / unitBits);
  const kept = units.slice(0, whole);
  const free = whole * unitBits - prefix; // bits of the last unit that vary
  const zones: string[] = [];
  if (free === 0) {
    zones.push([...kept.map(label).reverse(), suffix].join('.'));
    return zones;
  }
  const base = kept[whole - 1]! & ~((1 << free) - 1);
  for (let v = 0; v < 1 << free; v++) {
    kept[whole - 1] = base + v;
    zones.push([...kept.map(label).reverse(), suffix].join('.'));
  }
  return zones;
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
