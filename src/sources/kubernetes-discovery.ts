// API discovery for the Kubernetes source. Which ServiceImport version the API server serves:
// v1beta1 when the multicluster.x-k8s.io group offers it, else v1alpha1, retried with backoff while
// the API cannot be reached or the group is missing (the MCS CRDs may be installed after us). And
// whether it serves about.k8s.io/v1alpha1 clusterproperties, where a 404 is an answer (no
// ClusterProperty CRD: no local cluster), not a failure.

import type { Logger } from 'pino';
import { getJson, KubeApiError } from '../k8s/api-transport.js';
import type { Backoff } from '../k8s/backoff.js';
import type { ApiConnection } from '../k8s/connection.js';
import type { InformerClock } from '../k8s/informer.js';
import { chooseMcsVersion, type McsVersion } from '../k8s/mcs-version.js';
import { ABOUT_GROUP, MCS_GROUP } from './convert.js';

export type ImportVersion = McsVersion;

export interface DiscoveryOptions {
  readonly connection: ApiConnection;
  readonly logger: Logger;
  readonly clock: InformerClock;
  readonly backoff: Backoff;
  readonly signal: AbortSignal;
  readonly requestTimeoutMs: number;
  /** Each failed attempt, for the caller's outage bookkeeping. */
  readonly onFailure: (err: Error) => void;
}

/** Resolves with the version, or null when aborted first. */
export function discoverImportVersion(opts: DiscoveryOptions): Promise<ImportVersion | null> {
  return discover(opts, `/apis/${MCS_GROUP}`, 'ServiceImport API discovery failed; retrying', (group) =>
    group === NOT_FOUND
      ? new Error(`${MCS_GROUP} is not served (are the MCS API CRDs installed?)`)
      : (chooseMcsVersion(group) ?? new Error(`${MCS_GROUP} serves neither v1beta1 nor v1alpha1`)),
  );
}

export const CLUSTER_PROPERTY_VERSION = 'v1alpha1';

/** Whether the API serves clusterproperties in about.k8s.io/v1alpha1; null when aborted first. */
export function discoverClusterProperties(opts: DiscoveryOptions): Promise<boolean | null> {
  return discover(opts, `/apis/${ABOUT_GROUP}/${CLUSTER_PROPERTY_VERSION}`, 'ClusterProperty API discovery failed; retrying', (list) => {
    if (list === NOT_FOUND) return false;
    const resources = (list as { resources?: unknown } | null)?.resources;
    return Array.isArray(resources) && resources.some((r) => (r as { name?: unknown } | null)?.name === 'clusterproperties');
  });
}

/** What `read` gets when the discovery path answers 404. */
const NOT_FOUND = Symbol('404');

/**
 * GETs `path` until `read` makes an answer of it (an Error from `read`, or a failed request, is
 * logged and retried with backoff); null when aborted first.
 */
async function discover<T>(
  opts: DiscoveryOptions,
  path: string,
  failedMessage: string,
  read: (body: unknown) => T | Error,
): Promise<T | null> {
  while (!opts.signal.aborted) {
    let failure: Error;
    try {
      let body: unknown;
      try {
        body = await getJson(opts.connection, path, opts.signal, opts.requestTimeoutMs);
      } catch (err) {
        if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
        body = NOT_FOUND;
      }
      const answer = read(body);
      if (!(answer instanceof Error)) {
        opts.backoff.reset();
        return answer;
      }
      failure = answer;
    } catch (err) {
      if (opts.signal.aborted) return null;
      failure = err instanceof Error ? err : new Error(String(err));
    }
    const delay = opts.backoff.next();
    opts.logger.warn({ err: failure, retryInMs: delay }, failedMessage);
    opts.onFailure(failure);
    await abortableSleep(opts.clock, delay, opts.signal);
  }
  return null;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function abortableSleep(clock: InformerClock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      timer.cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimer(done, ms);
    signal.addEventListener('abort', done);
  });
}
