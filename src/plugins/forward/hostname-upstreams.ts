// Turns forward's TO entries into upstream addresses when the plugin starts: a hostname TO becomes
// one upstream per address it resolves to (A, then AAAA), through the `resolver` addresses when
// given (each tried in order, 2 s per query) or the system resolver otherwise, as CoreDNS does at
// start-up; a name that resolves to nothing fails the start. Addresses are then de-duplicated,
// the first occurrence keeping its place.

import { promises as dns } from 'node:dns';
import { ConfigError } from '../../corefile/types.js';
import { address, isHostnameTo, type HostnameTo, type ToEntry } from './to-address.js';
import type { UpstreamAddress } from './upstream.js';

const LOOKUP_TIMEOUT_MS = 2000;

export type HostResolver = (hostname: string) => Promise<string[]>;

/** CoreDNS's dnsLookup: A and AAAA from the given servers (`IP:PORT` or `[IPv6]:PORT`). */
export function resolverLookup(servers: readonly string[]): HostResolver {
  return async (hostname) => {
    // One resolver per server, so that each is asked in turn as CoreDNS does (c-ares would
    // otherwise rotate or give up after the first answer it counts as final).
    let lastError: unknown = null;
    for (const server of servers) {
      const r = new dns.Resolver({ timeout: LOOKUP_TIMEOUT_MS, tries: 1 });
      r.setServers([server]);
      const [v4, v6] = await Promise.allSettled([r.resolve4(hostname), r.resolve6(hostname)]);
      const ips = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      if (ips.length > 0) return ips;
      lastError = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : null;
    }
    throw new Error(`no addresses found${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
  };
}

/** The system resolver (getaddrinfo: /etc/hosts, then /etc/resolv.conf), as Go's net.LookupHost. */
export const systemLookup: HostResolver = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true, order: 'ipv4first' });
  if (found.length === 0) throw new Error('no addresses found');
  return found.map((a) => a.address);
};

export async function resolveUpstreams(
  entries: readonly ToEntry[],
  lookup: HostResolver,
  where: { readonly file: string; readonly line: number },
): Promise<UpstreamAddress[]> {
  const out: UpstreamAddress[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const addresses = isHostnameTo(e) ? await resolveOne(e, lookup, where) : [e];
    for (const a of addresses) {
      const key = `${a.transport}://${a.label}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
  }
  return out;
}

async function resolveOne(e: HostnameTo, lookup: HostResolver, where: { readonly file: string; readonly line: number }): Promise<UpstreamAddress[]> {
  let ips: string[];
  try {
    ips = await lookup(e.hostname);
  } catch (err) {
    throw ConfigError.at(where, `'forward': failed to resolve '${e.hostname}': ${(err as Error).message}`);
  }
  return ips.map((ip) => address(ip, e.port, e.transport, e.servername));
}
