// `multicluster [ZONES...] { kubeconfig PATH [CONTEXT]; objects PATH; noendpoints;
// fallthrough [ZONES...]; ttl N; startup_timeout DUR }`: parsed and validated once, then frozen.

import { resolve } from 'node:path';
import { durationArg, forEachOption, intArg, expectArgs, zonesArg } from '../../corefile/args.js';
import { ConfigError, type Directive } from '../../corefile/types.js';
import { isReverseZone } from './synthesize.js';

export type SourceOptions =
  | { readonly kind: 'objects'; readonly path: string }
  | { readonly kind: 'kubeconfig'; readonly path: string; readonly context: string | null }
  | { readonly kind: 'in-cluster' };

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
  });
  for (const o of d.block ?? []) {
    if (seen.has(o.name)) throw ConfigError.at(o, `'${o.name}' is given more than once in 'multicluster'`);
    seen.add(o.name);
  }
  if (objects !== null && kubeconfig !== null) {
    throw ConfigError.at(d, `'multicluster': 'objects' and 'kubeconfig' are mutually exclusive`);
  }
  const source: SourceOptions =
    objects !== null
      ? { kind: 'objects', path: objects }
      : kubeconfig !== null
        ? { kind: 'kubeconfig', ...(kubeconfig as { path: string; context: string | null }) }
        : { kind: 'in-cluster' };
  return Object.freeze({ zones, firstForwardZone, source, noEndpoints, fallthrough, ttl, startupTimeoutMs });
}
