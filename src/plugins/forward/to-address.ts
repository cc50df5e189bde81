// Parses forward's TO arguments as CoreDNS does: `IP`, `IP:PORT`, `[IPv6]:PORT`, bare IPv6, with an
// optional `dns://`, `tls://` or `https://` scheme (ports 53, 853 and 443 by default;
// `tls://IP%NAME` for a per-endpoint TLS server name), the path of a resolv.conf-style file whose
// `nameserver` lines are used, or else a hostname, resolved when the plugin starts
// (hostname-upstreams.ts).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError, type Directive } from '../../corefile/types.js';
import { encodeName, WireError } from '../../dns/wire/names.js';
import type { UpstreamAddress } from './upstream.js';

const DEFAULT_PORT = { dns: 53, tls: 853, https: 443 } as const;

export type Transport = keyof typeof DEFAULT_PORT;

/** A TO written as a hostname: resolved to addresses at start-up, each an upstream. */
export interface HostnameTo {
  readonly hostname: string;
  readonly port: number;
  readonly transport: Transport;
  readonly servername?: string;
  /** As written, for messages. */
  readonly text: string;
}

export type ToEntry = UpstreamAddress | HostnameTo;

export function isHostnameTo(t: ToEntry): t is HostnameTo {
  return 'hostname' in t;
}

export function splitHostPort(text: string): { host: string; port: string | null } | null {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return null;
    return { host: text.slice(1, close), port: rest === '' ? null : rest.slice(1) };
  }
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = text.split(':') as [string, string];
    return { host, port };
  }
  return { host: text, port: null }; // no colon, or a bare IPv6 address
}

export function address(host: string, port: number, transport: Transport, servername?: string): UpstreamAddress {
  const family = isIP(host.split('%')[0] ?? '') === 6 ? 6 : 4;
  const label = family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, family, transport, label, ...(servername === undefined ? {} : { servername }) };
}

function parseEndpoint(text: string, transport: Transport, d: Directive): UpstreamAddress | null {
  let rest = text;
  let servername: string | undefined;
  if (transport !== 'dns') {
    // tls://IP%NAME[:PORT] (https:// likewise); the NAME may not contain ':'.
    const m = /^([^%]+)%([^:\]]+)(:\d+)?$/.exec(rest);
    if (m !== null) {
      servername = m[2];
      rest = (m[1] ?? '') + (m[3] ?? '');
    }
  }
  const hp = splitHostPort(rest);
  if (hp === null || isIP(hp.host.split('%')[0] ?? '') === 0) return null;
  let port: number = DEFAULT_PORT[transport];
  if (hp.port !== null) {
    if (!/^\d{1,5}$/.test(hp.port) || Number(hp.port) < 1 || Number(hp.port) > 65535) {
      throw ConfigError.at(d, `'forward': invalid port in '${text}'`);
    }
    port = Number(hp.port);
  }
  return address(hp.host, port, transport, servername);
}

/** `nameserver` lines of a resolv.conf, as port-53 plain DNS upstreams. */
export function resolvConfUpstreams(path: string, d: Directive): UpstreamAddress[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw ConfigError.at(d, `'forward': cannot read ${path}: ${(e as Error).message}`);
  }
  const out: UpstreamAddress[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'nameserver' || fields[1] === undefined) continue;
    if (isIP(fields[1].split('%')[0] ?? '') === 0) continue;
    out.push(address(fields[1], 53, 'dns'));
  }
  if (out.length === 0) throw ConfigError.at(d, `'forward': no nameserver lines in ${path}`);
  return out;
}

/** One TO argument, expanded to one or more upstreams (or a hostname to resolve at start-up). */
export function parseTo(text: string, d: Directive, configDir: string): ToEntry[] {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  let transport: Transport = 'dns';
  let rest = text;
  if (scheme !== null) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (name !== 'dns' && name !== 'tls' && name !== 'https') {
      throw ConfigError.at(d, `'forward': '${name}' is not supported as a destination protocol: ${text}`);
    }
    transport = name;
    rest = text.slice(scheme[0].length);
    if (transport === 'https' && rest.includes('/')) {
      throw ConfigError.at(d, `'forward': paths are not allowed in HTTPS upstream addresses (the /dns-query path is used): ${text}`);
    }
  }
  const endpoint = parseEndpoint(rest, transport, d);
  if (endpoint !== null) return [endpoint];
  if (scheme === null) {
    const path = resolve(configDir, text);
    if (existsSync(path) && statSync(path).isFile()) return resolvConfUpstreams(path, d);
  }
  const host = hostnameTo(rest, transport, text, d);
  if (host === null) throw ConfigError.at(d, `'forward': not an IP address, file, or valid domain: '${text}'`);
  return [host];
}

/** `NAME[%SERVERNAME][:PORT]`, NAME a domain name that is not an IP address. */
function hostnameTo(rest: string, transport: Transport, text: string, d: Directive): HostnameTo | null {
  const m = /^([^%:[\]]+)(?:%([^:\]]+))?(?::(\d{1,5}))?$/.exec(rest);
  if (m === null) return null;
  const hostname = m[1]!.replace(/\.$/, '');
  // Host names as resolvers take them: letters, digits, '-' and '_' in labels, with a letter somewhere.
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/i.test(hostname) || isIP(hostname) !== 0 || !/[a-z]/i.test(hostname)) return null;
  try {
    encodeName(`${hostname}.`);
  } catch (e) {
    if (e instanceof WireError) return null;
    throw e;
  }
  let port: number = DEFAULT_PORT[transport];
  if (m[3] !== undefined) {
    port = Number(m[3]);
    if (port < 1 || port > 65535) throw ConfigError.at(d, `'forward': invalid port in '${text}'`);
  }
  return { hostname: hostname.toLowerCase(), port, transport, text, ...(m[2] === undefined || transport === 'dns' ? {} : { servername: m[2] }) };
}