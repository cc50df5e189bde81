// Zone arithmetic on lower-cased, fully qualified names: membership and longest-suffix choice,
// as CoreDNS routes queries to server blocks and plugins to their zones.

/** Whether `name` is `zone` or below it (label boundaries respected; "." holds everything). */
export function inZone(name: string, zone: string): boolean {
  if (zone === '.') return true;
  if (name.length < zone.length) return false;
  if (name.length === zone.length) return name === zone;
  return name.endsWith(zone) && name.charCodeAt(name.length - zone.length - 1) === 0x2e;
}

/** The longest of `zones` that holds `name`, or null. */
export function longestZone(zones: readonly string[], name: string): string | null {
  let best: string | null = null;
  for (const z of zones) if (inZone(name, z) && (best === null || z.length > best.length)) best = z;
  return best;
}
