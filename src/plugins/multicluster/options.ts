// `multicluster [ZONES...] { kubeconfig PATH [CONTEXT]; objects PATH; noendpoints;
// fallthrough [ZONES...]; ttl N; startup_timeout DUR; local_cluster [ID] }`: parsed and validated
// once, then frozen.

import { resolve } from 'node:path';
import { durationArg, forEachOption, intArg, expectArgs, zonesArg } from '../../corefile/args.js';
import { ConfigError, type Directive } from '../../corefile/types.js';
import { isDnsSubdomain } from '../../sources/object-fields.js';
import { isReverseZone } from './synthesize.js';

export type SourceOptions =
  | { readonly kind: 'objects'; readonly path: string }
  | { readonly kind: 'kubeconfig'; readonly path: string; readonly context: string | null }
  | { readonly kind: 'in-cluster' };

/**
 * Whose endpoints headless answers prefer: an id given in the Corefile, or the one the source's
 * ClusterProperty `cluster.clusterset.k8s.io` names (`local_cluster` without an argument).
 */
export type LocalClusterOption = { readonly kind: 'given'; readonly id: string } | { readonly kind: 'cluster-property' };

export interface MulticlusterOptions {
  /** Forward and reverse zones, lower case, fully qualified. */
  readonly zones: readonly string[];
  readonly firstForwardZone: string;
  readonly source: SourceOptions;
  readonly noEndpoints: boolean;
  /** null: no fallthrough; []: every zone; else these zones. */
  readonly fallthrough: readonly string[] | null;
  readonly ttl: number;
  readonly startupTimeoutMs: number;
  /** null: no `local_cluster`, every cluster's endpoints alike. */
  readonly localCluster: LocalClusterOption | null;
}

export const DEFAULT_TTL = 5;
export const DEFAULT_STARTUP_TIMEOUT_MS = 5000;

export function parseMulticluster(d: Directive, blockZones: readonly string[], configDir: string): MulticlusterOptions {
  const zones = zonesArg(d.args, blockZones, d);
  const firstForwardZone = zones.find((z) => !isReverseZone(z));
  if (firstForwardZone === undefined) {
    throw ConfigError.at(d, `'multicluster' needs at least one forward zone (e.g. clusterset.local) besides reverse zones`);
  }
  let objects: string | null = null;
  let kubeconfig: { path: string; context: string | null } | null = null;
  let noEndpoints = false;
  let fallthrough: string[] | null = null;
  let ttl = DEFAULT_TTL;
  let startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS;
  let localCluster: LocalClusterOption | null = null;
  const seen = new Set<string>();
  forEachOption(d, {
    objects: (o) => {
      objects = resolve(configDir, expectArgs(o, 1, 1)[0]!);
    },
    kubeconfig: (o) => {
      const [path, context] = expectArgs(o, 1, 2);
      kubeconfig = { path: resolve(configDir, path!), context: context ?? null };
    },
    noendpoints: (o) => {
      expectArgs(o, 0, 0);
      noEndpoints = true;
    },
    fallthrough: (o) => {
      fallthrough = o.args.length === 0 ? [] : [...zonesArg(o.args, [], o)];
    },
    ttl: (o) => {
      ttl = intArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, max: 3600, what: 'TTL' });
    },
    startup_timeout: (o) => {
      startupTimeoutMs = durationArg(o, expectArgs(o, 1, 1)[0]!, { min: 0, max: 600_000, what: 'startup timeout' });
    },
    local_cluster: (o) => {
      const id = expectArgs(o, 0, 1)[0];
      if (id === undefined) {
        localCluster = { kind: 'cluster-property' };
        return;
      }
      // As KEP-2149 constrains the ClusterProperty's value, so a given id and a read one agree.
      if (!isDnsSubdomain(id)) {
        throw ConfigError.at(
          o,
          `'local_cluster': '${id}' is not a cluster id: expected an RFC 1123 subdomain (lower-case letters, digits, '-' and '.', at most 253)`,
        );
      }
      localCluster = { kind: 'given', id };
    },
  });
  for (const o of d.block ?? []) {
    if (seen.has(o.name)) throw ConfigError.at(o, `'${o.name}' is given more than once in 'multicluster'`);
    seen.add(o.name);
  }
  if (objects !== null && kubeconfig !== null) {
    throw ConfigError.at(d, `'multicluster': 'objects' and 'kubeconfig' are mutually exclusive`);
  }
  if (localCluster !== null && noEndpoints) {
    // Without endpoints there is nothing to prefer: the option would silently do nothing.
    const where = d.block?.find((o) => o.name === 'local_cluster') ?? d;
    throw ConfigError.at(where, `'multicluster': 'local_cluster' has no effect with 'noendpoints'`);
  }
  const source: SourceOptions =
    objects !== null
      ? { kind: 'objects', path: objects }
      : kubeconfig !== null
        ? { kind: 'kubeconfig', ...(kubeconfig as { path: string; context: string | null }) }
        : { kind: 'in-cluster' };
  return Object.freeze({ zones, firstForwardZone, source, noEndpoints, fallthrough, ttl, startupTimeoutMs, localCluster });
}
