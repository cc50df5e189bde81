// Finds which ServiceImport version the API server serves: v1beta1 when the multicluster.x-k8s.io
// group offers it, else v1alpha1. Retries with backoff while the API cannot be reached or the
// group is missing (the MCS CRDs may be installed after us), until it answers or is aborted.

import type { Logger } from 'pino';
import { getJson, KubeApiError } from '../k8s/api-transport.js';
import type { Backoff } from '../k8s/backoff.js';
import type { ApiConnection } from '../k8s/connection.js';
import type { InformerClock } from '../k8s/informer.js';
import { chooseMcsVersion, type McsVersion } from '../k8s/mcs-version.js';
import { MCS_GROUP } from './convert.js';

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
export async function discoverImportVersion(opts: DiscoveryOptions): Promise<ImportVersion | null> {
  const path = `/apis/${MCS_GROUP}`;
  while (!opts.signal.aborted) {
    let failure: Error;
    try {
      const version = chooseMcsVersion(await getJson(opts.connection, path, opts.signal, opts.requestTimeoutMs));
      if (version !== null) {
        opts.backoff.reset();
        return version;
      }
      failure = new Error(`${MCS_GROUP} serves neither v1beta1 nor v1alpha1`);
    } catch (err) {
      if (opts.signal.aborted) return null;
      failure =
        err instanceof KubeApiError && err.statusCode === 404
          ? new Error(`${MCS_GROUP} is not served (are the MCS API CRDs installed?)`)
          : err instanceof Error
            ? err
            : new Error(String(err));
    }
    const delay = opts.backoff.next();
    opts.logger.warn({ err: failure, retryInMs: delay }, `ServiceImport API discovery failed; retrying`);
    opts.onFailure(failure);
    await abortableSleep(opts.clock, delay, opts.signal);
  }
  return null;
}

function abortableSleep(clock: InformerClock, ms: number, signal: AbortSignal): Promise<void> {
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
