// Reads and validates one `forward FROM TO... { ... }` directive into a frozen ForwardConfig, with
// CoreDNS's defaults (expire 10s, max_fails 2, health_check 0.5s, policy random, at most 15
// upstreams). Every bad value is a ConfigError at the directive's or option's line.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { durationArg, expectArgs, forEachOption, intArg, noBlock, normalizeZone } from '../../corefile/args.js';
import { ConfigError, type Directive } from '../../corefile/types.js';
import type { ForwardConfig } from './forward-plugin.js';
import type { PolicyName } from './policy.js';
import type { StreamTls } from './stream-connection.js';
import { parseTo } from './to-address.js';

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

export function parseForward(d: Directive, configDir: string): ForwardConfig {
  const args = expectArgs(d, 2, Infinity);
  const from = normalizeZone(args[0]!, d);
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

  forEachOption(d, {
    except(o) {
      noBlock(o);
      for (const z of expectArgs(o, 1, Infinity)) except.push(normalizeZone(z, o));
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
  });

  if (tlsServername !== null) {
    if (upstreams.some((u) => u.servername !== undefined)) {
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
  });
}
