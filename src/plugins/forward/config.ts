// Reads and validates one `forward FROM TO... { ... }` directive into a frozen ForwardConfig, with
// CoreDNS's defaults (expire 10s, max_fails 2, health_check 0.5s, read_timeout 2s, policy random,
// doh_method POST, max_connect_attempts twice the upstreams, at most 15 upstreams). Every bad value
// is a ConfigError at the directive's or option's line.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isIP } from 'node:net';
import { durationArg, expectArgs, forEachOption, intArg, noBlock, normalizeZone, normalizeZones } from '../../corefile/args.js';
import { ConfigError, type Directive } from '../../corefile/types.js';
import type { ForwardConfig } from './forward-plugin.js';
import type { PolicyName } from './policy.js';
import { rcodeFromName } from './rcode-names.js';
import type { StreamTls } from './stream-connection.js';
import { parseTo, splitHostPort } from './to-address.js';

export const MAX_UPSTREAMS = 15;
const U32 = 0xffffffff;

function noArgs(o: Directive): void {
  expectArgs(o, 0, 0);
  noBlock(o);
}

function readFile(o: Directive, configDir: string, path: string, what: string): Buffer {
  try {
    return readFileSync(resolve(configDir, path));
  } catch (e) {
    throw ConfigError.at(o, `'tls': cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function rcodesArg(o: Directive, what: string): number[] {
  noBlock(o);
  return expectArgs(o, 1, Infinity).map((name) => {
    const rcode = rcodeFromName(name);
    if (rcode === undefined) throw ConfigError.at(o, `'${what}': ${name} is not a valid rcode`);
    if (what === 'failover' && rcode === 0) throw ConfigError.at(o, `'failover': NOERROR cannot be used in failover`);
    return rcode;
  });
}

export function parseForward(d: Directive, configDir: string): ForwardConfig {
  const args = expectArgs(d, 2, Infinity);
  // CoreDNS takes only the first zone of a CIDR that stands for several (and logs a warning).
  const fromZones = normalizeZones(args[0]!, d);
  const from = fromZones[0]!;
  const upstreams = args.slice(1).flatMap((t) => parseTo(t, d, configDir));
  if (upstreams.length > MAX_UPSTREAMS) {
    throw ConfigError.at(d, `'forward': more than ${MAX_UPSTREAMS} TOs configured: ${upstreams.length}`);
  }
  const except: string[] = [];
  let forceTcp = false;
  let preferUdp = false;
  let expireMs = 10_000;
  let maxFails = 2;
  let healthCheck = { intervalMs: 500, recursionDesired: true, domain: '.' };
  let policy: PolicyName = 'random';
  let maxConcurrent = 0;
  let tls: Exclude<StreamTls, null> = {};
  let tlsServername: string | null = null;
  let failfastAllUnhealthy = false;
  let next: number[] = [];
  let nextOnNodata = false;
  let failover: number[] = [];
  let maxConnectAttempts: number | null = null;
  let maxIdleConns = 0;
  let readTimeoutMs: number | null = null;
  let maxAgeMs = 0;
  let dohMethod: 'GET' | 'POST' = 'POST';
  let resolvers: string[] = [];
  let sourceAddress: string | null = null;

  forEachOption(d, {
    except(o) {
      noBlock(o);
      for (const z of expectArgs(o, 1, Infinity)) except.push(...normalizeZones(z, o));
    },
    force_tcp(o) {
      noArgs(o);
      forceTcp = true;
    },
    prefer_udp(o) {
      noArgs(o);
      preferUdp = true;
    },
    expire(o) {
      noBlock(o);
      expireMs = durationArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, what: 'expire duration' });
    },
    max_fails(o) {
      noBlock(o);
      maxFails = intArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, max: U32, what: 'max_fails' });
    },
    health_check(o) {
      noBlock(o);
      const a = expectArgs(o, 1, 4);
      const next = { intervalMs: durationArg(o, a[0]!, { min: 0, what: 'health_check duration' }), recursionDesired: true, domain: '.' };
      for (let i = 1; i < a.length; i++) {
        if (a[i] === 'no_rec') next.recursionDesired = false;
        else if (a[i] === 'domain' && a[i + 1] !== undefined) next.domain = normalizeZone(a[++i]!, o);
        else if (a[i] === 'domain') throw ConfigError.at(o, `'health_check': 'domain' needs a name`);
        else throw ConfigError.at(o, `'health_check': unknown option '${a[i]}'`);
      }
      healthCheck = next;
    },
    policy(o) {
      noBlock(o);
      const p = expectArgs(o, 1, 1)[0]!;
      if (p !== 'random' && p !== 'round_robin' && p !== 'sequential') {
        throw ConfigError.at(o, `'policy': unknown policy '${p}': expected random, round_robin or sequential`);
      }
      policy = p;
    },
    max_concurrent(o) {
      noBlock(o);
      maxConcurrent = intArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, max: 2 ** 31 - 1, what: 'max_concurrent' });
    },
    tls(o) {
      noBlock(o);
      const a = expectArgs(o, 0, 3);
      // CoreDNS: () system CAs; (CA); (CERT KEY); (CERT KEY CA).
      const next: Exclude<StreamTls, null> = {};
      if (a.length === 1) next.ca = readFile(o, configDir, a[0]!, 'CA');
      if (a.length >= 2) {
        next.cert = readFile(o, configDir, a[0]!, 'certificate');
        next.key = readFile(o, configDir, a[1]!, 'key');
      }
      if (a.length === 3) next.ca = readFile(o, configDir, a[2]!, 'CA');
      tls = next;
    },
    tls_servername(o) {
      noBlock(o);
      tlsServername = expectArgs(o, 1, 1)[0]!;
    },
    failfast_all_unhealthy_upstreams(o) {
      noArgs(o);
      failfastAllUnhealthy = true;
    },
    next(o) {
      next = rcodesArg(o, 'next');
    },
    next_on_nodata(o) {
      noArgs(o);
      nextOnNodata = true;
    },
    failover(o) {
      failover = rcodesArg(o, 'failover');
    },
    max_connect_attempts(o) {
      noBlock(o);
      maxConnectAttempts = intArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, max: U32, what: 'max_connect_attempts' });
    },
    max_idle_conns(o) {
      noBlock(o);
      maxIdleConns = intArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, max: 2 ** 31 - 1, what: 'max_idle_conns' });
    },
    read_timeout(o) {
      noBlock(o);
      readTimeoutMs = durationArg(o, expectArgs(o, 1, 1)[0]!, { min: 1, what: 'read_timeout duration' });
    },
    max_age(o) {
      noBlock(o);
      maxAgeMs = durationArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, what: 'max_age duration' });
    },
    doh_method(o) {
      noBlock(o);
      const m = expectArgs(o, 1, 1)[0]!;
      if (m !== 'GET' && m !== 'POST') throw ConfigError.at(o, `'doh_method': must be either POST or GET, not '${m}'`);
      dohMethod = m;
    },
    resolver(o) {
      noBlock(o);
      resolvers = expectArgs(o, 1, Infinity).map((a) => resolverAddress(a, o));
    },
    source_address(o) {
      noBlock(o);
      const ip = expectArgs(o, 1, 1)[0]!;
      if (isIP(ip) === 0) throw ConfigError.at(o, `'source_address': invalid IP address: ${ip}`);
      sourceAddress = ip;
    },
  });

  if (maxAgeMs > 0 && maxAgeMs < expireMs) {
    throw ConfigError.at(d, `'forward': max_age (${maxAgeMs}ms) must not be less than expire (${expireMs}ms)`);
  }

  if (tlsServername !== null) {
    if (upstreams.some((u) => u.transport === 'tls' && u.servername !== undefined)) {
      throw ConfigError.at(d, `'forward': tls_servername cannot be combined with a per-endpoint server name (tls://IP%NAME)`);
    }
    tls = { ...tls, servername: tlsServername };
  }
  return Object.freeze({
    from,
    except: Object.freeze(except),
    upstreams: Object.freeze(upstreams),
    // force_tcp wins over prefer_udp (CoreDNS).
    forceTcp,
    preferUdp: preferUdp && !forceTcp,
    expireMs,
    maxFails,
    healthCheck: Object.freeze(healthCheck),
    policy,
    maxConcurrent,
    tls: Object.freeze(tls),
    failfastAllUnhealthy,
    fromZones: Object.freeze([...fromZones]),
    next: Object.freeze(next),
    nextOnNodata,
    failover: Object.freeze(failover),
    maxConnectAttempts,
    maxIdleConns,
    readTimeoutMs,
    maxAgeMs,
    dohMethod,
    resolvers: Object.freeze(resolvers),
    sourceAddress,
  });
}

/** A `resolver` address: an IP (port 53) or IP:PORT / [IPv6]:PORT, as `host:port` text for the lookup. */
function resolverAddress(text: string, o: Directive): string {
  const hp = splitHostPort(text);
  const bad = (): never => {
    throw ConfigError.at(o, `'resolver': must be an IP address or IP:port: '${text}'`);
  };
  if (hp === null || isIP(hp.host) === 0) return bad();
  const port = hp.port === null ? 53 : Number(hp.port);
  if (hp.port !== null && (!/^\d{1,5}$/.test(hp.port) || port < 1 || port > 65535)) return bad();
  return isIP(hp.host) === 6 ? `[${hp.host}]:${port}` : `${hp.host}:${port}`;
}
