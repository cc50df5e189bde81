// The reconciler's YAML config: the one place it is read, validated and frozen. Every error names
// the field it is about (`clusters[1].kubeconfig: file does not exist`) so that a bad config fails
// at start with a message an operator can act on.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../corefile/duration.js';
import type { McsVersion } from '../k8s/mcs-version.js';

export type McsApiVersion = McsVersion;

export interface ClusterConfig {
  /** Used when the cluster has no ClusterProperty `cluster.clusterset.k8s.io`. */
  readonly id: string;
  /** Absolute path, or null for in-cluster config. */
  readonly kubeconfig: string | null;
  /** Context within the kubeconfig; null means its current context. */
  readonly context: string | null;
  readonly inCluster: boolean;
}

export type DerivedServiceNaming =
  | { readonly naming: 'hash' }
  | { readonly naming: 'prefix'; readonly prefix: string };

export interface LeaderElectionConfig {
  readonly enabled: boolean;
  /** Id of the member cluster that holds the Lease (default: the first in-cluster one, else the first). */
  readonly cluster: string;
  readonly namespace: string;
  readonly leaseName: string;
  /** Holder identity written into the Lease; default `<hostname>_<random>`. Null until defaulted by main. */
  readonly identity: string | null;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface ListenAddress {
  /** '' means all interfaces. */
  readonly host: string;
  readonly port: number;
}

export interface RetryConfig {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Overall token bucket across keys. */
  readonly qps: number;
  readonly burst: number;
}

export interface ReconcilerConfig {
  readonly clusters: readonly ClusterConfig[];
  readonly derivedService: DerivedServiceNaming;
  /** Empty: all namespaces. */
  readonly namespaces: readonly string[];
  readonly unreachableGracePeriodMs: number;
  readonly resyncPeriodMs: number;
  /** Null: discovered per member cluster (v1beta1 when served, else v1alpha1); else this version everywhere. */
  readonly mcsApiVersion: McsApiVersion | null;
  readonly leaderElection: LeaderElectionConfig;
  readonly listen: { readonly health: ListenAddress | null; readonly metrics: ListenAddress | null };
  readonly retry: RetryConfig;
  /** Client-side limit on requests to each member cluster's API server. */
  readonly apiRateLimit: { readonly qps: number; readonly burst: number };
}

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(field === '' ? detail : `${field}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export interface ParseConfigOptions {
  /** Directory relative kubeconfig paths are resolved against (the config file's directory). */
  readonly baseDir?: string;
  /** Replaced in tests; defaults to node:fs existsSync. */
  readonly fileExists?: (path: string) => boolean;
}

const RFC1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Obj, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const where = field === '' ? key : `${field}.${key}`;
      throw new ConfigError(where, `unknown key (expected one of: ${allowed.join(', ')})`);
    }
  }
}

function objAt(parent: Obj, key: string, field: string): Obj {
  const v = parent[key];
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new ConfigError(field, 'must be a mapping');
  return v;
}

function str(v: unknown, field: string, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw new ConfigError(field, 'must be a string');
  return v;
}

function bool(v: unknown, field: string, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new ConfigError(field, 'must be true or false');
  return v;
}

function positiveNumber(v: unknown, field: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(field, 'must be a positive number');
  }
  return v;
}

function duration(v: unknown, field: string, fallbackMs: number, allowZero = false): number {
  if (v === undefined || v === null) return fallbackMs;
  if (typeof v !== 'string') {
    throw new ConfigError(field, `must be a duration string such as "60s" (got ${JSON.stringify(v)})`);
  }
  const ms = parseDuration(v.trim());
  if (ms === null) throw new ConfigError(field, `"${v}" is not a duration (use a form like 60s, 1m30s, 500ms)`);
  if (ms < 0 || (!allowZero && ms === 0)) throw new ConfigError(field, 'must be greater than zero');
  return ms;
}

function listenAddress(v: unknown, field: string, fallback: string): ListenAddress | null {
  const text = str(v, field, fallback).trim();
  if (text === '') return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError(field, `"${text}" is not a listen address (use ":8081", "127.0.0.1:8081" or "[::1]:8081")`);
  }
  return { host: m[1] ?? m[2] ?? '', port };
}

function parseCluster(v: unknown, i: number, opts: ParseConfigOptions): ClusterConfig {
  const field = `clusters[${i}]`;
  if (!isObj(v)) throw new ConfigError(field, 'must be a mapping with id and kubeconfig or inCluster');
  checkKeys(v, field, ['id', 'kubeconfig', 'context', 'inCluster']);
  const id = str(v['id'], `${field}.id`, '');
  if (id === '') throw new ConfigError(`${field}.id`, 'is required');
  if (id.length > 253 || !RFC1123_SUBDOMAIN.test(id)) {
    throw new ConfigError(`${field}.id`, `"${id}" is not an RFC 1123 subdomain`);
  }
  const inCluster = bool(v['inCluster'], `${field}.inCluster`, false);
  const rawPath = str(v['kubeconfig'], `${field}.kubeconfig`, '');
  const context = str(v['context'], `${field}.context`, '');
  if (inCluster && rawPath !== '') {
    throw new ConfigError(field, 'set either kubeconfig or inCluster: true, not both');
  }
  if (!inCluster && rawPath === '') {
    throw new ConfigError(`${field}.kubeconfig`, 'is required unless inCluster: true');
  }
  let kubeconfig: string | null = null;
  if (rawPath !== '') {
    kubeconfig = isAbsolute(rawPath) ? rawPath : resolve(opts.baseDir ?? process.cwd(), rawPath);
    if (!(opts.fileExists ?? existsSync)(kubeconfig)) {
      throw new ConfigError(`${field}.kubeconfig`, `file does not exist (${kubeconfig})`);
    }
  }
  return { id, kubeconfig, context: context === '' ? null : context, inCluster };
}

function parseDerived(root: Obj): DerivedServiceNaming {
  const d = objAt(root, 'derivedService', 'derivedService');
  checkKeys(d, 'derivedService', ['naming', 'prefix']);
  const naming = str(d['naming'], 'derivedService.naming', 'hash');
  if (naming === 'hash') {
    if (d['prefix'] !== undefined) throw new ConfigError('derivedService.prefix', 'only allowed with naming: prefix');
    return { naming: 'hash' };
  }
  if (naming !== 'prefix') throw new ConfigError('derivedService.naming', `must be "hash" or "prefix" (got "${naming}")`);
  const prefix = str(d['prefix'], 'derivedService.prefix', '');
  // The prefixed name must stay a DNS label for every service name, and must differ from it.
  if (prefix === '' || !/^[a-z]([-a-z0-9]*)$/.test(prefix)) {
    throw new ConfigError('derivedService.prefix', 'must be a non-empty lower-case DNS label prefix such as "amcs-"');
  }
  return { naming: 'prefix', prefix };
}

function parseLeaderElection(root: Obj, clusters: readonly ClusterConfig[]): LeaderElectionConfig {
  const f = 'leaderElection';
  const le = objAt(root, f, f);
  checkKeys(le, f, [
    'enabled',
    'cluster',
    'namespace',
    'leaseName',
    'identity',
    'leaseDuration',
    'renewDeadline',
    'retryPeriod',
  ]);
  const defaultCluster = (clusters.find((c) => c.inCluster) ?? clusters[0])?.id ?? '';
  const cluster = str(le['cluster'], `${f}.cluster`, defaultCluster);
  if (!clusters.some((c) => c.id === cluster)) {
    throw new ConfigError(`${f}.cluster`, `"${cluster}" is not the id of a cluster in clusters`);
  }
  const namespace = str(le['namespace'], `${f}.namespace`, 'clusterset-system');
  if (!RFC1123_LABEL.test(namespace)) throw new ConfigError(`${f}.namespace`, `"${namespace}" is not a namespace name`);
  const leaseName = str(le['leaseName'], `${f}.leaseName`, 'clusterset-reconciler');
  if (!RFC1123_SUBDOMAIN.test(leaseName)) throw new ConfigError(`${f}.leaseName`, `"${leaseName}" is not an object name`);
  const identity = str(le['identity'], `${f}.identity`, '');
  const leaseDurationMs = duration(le['leaseDuration'], `${f}.leaseDuration`, 15_000);
  const renewDeadlineMs = duration(le['renewDeadline'], `${f}.renewDeadline`, 10_000);
  const retryPeriodMs = duration(le['retryPeriod'], `${f}.retryPeriod`, 2_000);
  if (renewDeadlineMs >= leaseDurationMs) {
    throw new ConfigError(`${f}.renewDeadline`, 'must be shorter than leaseDuration');
  }
  if (retryPeriodMs >= renewDeadlineMs) {
    throw new ConfigError(`${f}.retryPeriod`, 'must be shorter than renewDeadline');
  }
  return {
    enabled: bool(le['enabled'], `${f}.enabled`, true),
    cluster,
    namespace,
    leaseName,
    identity: identity === '' ? null : identity,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
  };
}

function parseRetry(root: Obj): RetryConfig {
  const r = objAt(root, 'retry', 'retry');
  checkKeys(r, 'retry', ['baseDelay', 'maxDelay', 'qps', 'burst']);
  const baseDelayMs = duration(r['baseDelay'], 'retry.baseDelay', 5);
  const maxDelayMs = duration(r['maxDelay'], 'retry.maxDelay', 1_000_000);
  if (maxDelayMs < baseDelayMs) throw new ConfigError('retry.maxDelay', 'must not be shorter than retry.baseDelay');
  return {
    baseDelayMs,
    maxDelayMs,
    qps: positiveNumber(r['qps'], 'retry.qps', 10),
    burst: Math.floor(positiveNumber(r['burst'], 'retry.burst', 100)),
  };
}

// Above kube-controller-manager's 20/30: every endpoint change of a service imported everywhere is
// one write in every member cluster, so a member's write rate is the fleet's change rate; at 20 a
// fleet with 20 changes a second would queue without end (measured with BENCH=fleet).
function parseApiRateLimit(root: Obj): { qps: number; burst: number } {
  const r = objAt(root, 'apiRateLimit', 'apiRateLimit');
  checkKeys(r, 'apiRateLimit', ['qps', 'burst']);
  const qps = positiveNumber(r['qps'], 'apiRateLimit.qps', 50);
  const burst = Math.floor(positiveNumber(r['burst'], 'apiRateLimit.burst', 100));
  if (burst < 1) throw new ConfigError('apiRateLimit.burst', 'must be at least 1');
  return { qps, burst };
}

/** Validates an already-parsed YAML document. Throws ConfigError naming the field. */
export function parseConfigObject(doc: unknown, opts: ParseConfigOptions = {}): ReconcilerConfig {
  if (!isObj(doc)) throw new ConfigError('', 'config must be a YAML mapping');
  checkKeys(doc, '', [
    'clusters',
    'derivedService',
    'namespaces',
    'unreachableGracePeriod',
    'resyncPeriod',
    'mcsApiVersion',
    'leaderElection',
    'listen',
    'retry',
    'apiRateLimit',
  ]);
  const rawClusters = doc['clusters'];
  if (!Array.isArray(rawClusters) || rawClusters.length === 0) {
    throw new ConfigError('clusters', 'must list at least one cluster');
  }
  const clusters = rawClusters.map((c, i) => parseCluster(c, i, opts));
  clusters.forEach((c, i) => {
    const first = clusters.findIndex((o) => o.id === c.id);
    if (first !== i) throw new ConfigError(`clusters[${i}].id`, `"${c.id}" is also the id of clusters[${first}]`);
  });

  const rawNs = doc['namespaces'] ?? [];
  if (!Array.isArray(rawNs)) throw new ConfigError('namespaces', 'must be a list of namespace names');
  const namespaces = rawNs.map((n, i) => {
    if (typeof n !== 'string' || !RFC1123_LABEL.test(n)) {
      throw new ConfigError(`namespaces[${i}]`, `${JSON.stringify(n)} is not a namespace name`);
    }
    return n;
  });

  const mcsApiVersion = str(doc['mcsApiVersion'], 'mcsApiVersion', '');
  if (mcsApiVersion !== '' && mcsApiVersion !== 'v1alpha1' && mcsApiVersion !== 'v1beta1') {
    throw new ConfigError('mcsApiVersion', `must be v1alpha1 or v1beta1, or left out to discover it per cluster (got "${mcsApiVersion}")`);
  }

  const listen = objAt(doc, 'listen', 'listen');
  checkKeys(listen, 'listen', ['health', 'metrics']);

  const config: ReconcilerConfig = {
    clusters,
    derivedService: parseDerived(doc),
    namespaces: [...new Set(namespaces)],
    unreachableGracePeriodMs: duration(doc['unreachableGracePeriod'], 'unreachableGracePeriod', 60_000, true),
    resyncPeriodMs: duration(doc['resyncPeriod'], 'resyncPeriod', 300_000),
    mcsApiVersion: mcsApiVersion === '' ? null : mcsApiVersion,
    leaderElection: parseLeaderElection(doc, clusters),
    listen: {
      health: listenAddress(listen['health'], 'listen.health', ':8081'),
      metrics: listenAddress(listen['metrics'], 'listen.metrics', ':9154'),
    },
    retry: parseRetry(doc),
    apiRateLimit: parseApiRateLimit(doc),
  };
  return deepFreeze(config);
}

/** Parses YAML text; `source` names the file in YAML syntax errors. */
export function parseConfigText(text: string, opts: ParseConfigOptions & { source?: string } = {}): ReconcilerConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError('', `${opts.source ?? 'config'}: ${(err as Error).message}`);
  }
  return parseConfigObject(doc, opts);
}

export function loadConfigFile(path: string): ReconcilerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseConfigText(text, { baseDir: dirname(resolve(path)), source: path });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
