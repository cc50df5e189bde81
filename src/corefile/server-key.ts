// One server block key, `[dns://]ZONE[:PORT]`, read into ServerKeys: one, or one per reverse zone
// when ZONE is a CIDR off a label boundary (CoreDNS adds those keys to the block). Only plain DNS
// is served, so any other scheme is an error rather than a block that silently never answers.

import { ConfigError, type ServerKey } from './types.js';
import { zonesFromText } from './zone-name.js';

export function parseServerKeys(text: string, where: { file: string; line: number }): ServerKey[] {
  let rest = text;
  const schemeEnd = rest.indexOf('://');
  if (schemeEnd >= 0) {
    const scheme = rest.slice(0, schemeEnd).toLowerCase();
    if (scheme !== 'dns') throw ConfigError.at(where, `scheme ${scheme}:// is not supported (in key '${text}'); only dns:// is served`);
    rest = rest.slice(schemeEnd + 3);
  }

  let port: number | null = null;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon >= 0) {
    const tail = rest.slice(lastColon + 1);
    if (tail === '') throw ConfigError.at(where, `key '${text}' ends in ':' without a port`);
    if (/^\d+$/.test(tail)) {
      port = Number(tail);
      if (port < 1 || port > 65535) throw ConfigError.at(where, `port ${tail} in key '${text}' is out of range 1-65535`);
      rest = rest.slice(0, lastColon);
    } else if (rest.indexOf(':') === lastColon) {
      // One colon and no number after it: a port typo, not an IPv6 CIDR (which has several colons).
      throw ConfigError.at(where, `invalid port '${tail}' in key '${text}'`);
    }
  }

  const zones = zonesFromText(rest);
  if (!zones.ok) throw ConfigError.at(where, `${zones.reason} (in key '${text}')`);
  return zones.zones.map((zone) => Object.freeze({ scheme: 'dns', zone, port, file: where.file, line: where.line }));
}
