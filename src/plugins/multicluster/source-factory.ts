// Chooses the object source a multicluster block reads from. The Kubernetes API connection is
// built here, at setup time, so a missing kubeconfig file, an unknown context or an in-cluster
// environment without its service account is a ConfigError at the Corefile line, before binding.

import type { Logger } from 'pino';
import { ConfigError, type Directive } from '../../corefile/types.js';
import type { ApiConnection } from '../../k8s/connection.js';
import { KubeconfigError } from '../../k8s/kubeconfig.js';
import { loadApiConnection } from '../../k8s/kubeconfig-lite.js';
import { heapTrimmer } from '../../sources/heap-trim.js';
import { KubernetesSource } from '../../sources/kubernetes-source.js';
import type { ObjectSource } from '../../sources/model.js';
import { ObjectsFileSource } from '../../sources/objects-file.js';
import type { Runtime } from '../setup-context.js';
import type { MulticlusterOptions, SourceOptions } from './options.js';

export interface SourceDeps {
  readonly logger: Logger;
  readonly runtime: Runtime;
}

export function createObjectSource(options: MulticlusterOptions, d: Directive, deps: SourceDeps): ObjectSource {
  const source = options.source;
  switch (source.kind) {
    case 'objects':
      return new ObjectsFileSource({ path: source.path, logger: deps.logger, clock: deps.runtime.clock });
    case 'kubeconfig':
    case 'in-cluster':
      return new KubernetesSource({
        connection: connectionFor(source, d, deps.runtime.env),
        logger: deps.logger,
        metrics: deps.runtime.metrics,
        trimHeap: heapTrimmer(),
        watchClusterProperty: options.localCluster?.kind === 'cluster-property',
        ...(deps.runtime.kubernetesInformer !== undefined ? { informerOptions: deps.runtime.kubernetesInformer } : {}),
      });
  }
}

function connectionFor(
  source: Extract<SourceOptions, { kind: 'kubeconfig' | 'in-cluster' }>,
  d: Directive,
  env: Runtime['env'],
): ApiConnection {
  try {
    return source.kind === 'kubeconfig'
      ? loadApiConnection({ path: source.path, ...(source.context !== null ? { context: source.context } : {}) })
      : loadApiConnection({ env });
  } catch (err) {
    if (!(err instanceof KubeconfigError)) throw err;
    // Point at the `kubeconfig` line when there is one, else at `multicluster` itself.
    const where = d.block?.find((o) => o.name === 'kubeconfig') ?? d;
    throw ConfigError.at(where, `'multicluster': ${err.message}`);
  }
}
