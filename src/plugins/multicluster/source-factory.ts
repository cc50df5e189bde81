// Chooses the object source a multicluster block reads from.

import type { Logger } from 'pino';
import { ConfigError, type Directive } from '../../corefile/types.js';
import type { ObjectSource } from '../../sources/model.js';
import { ObjectsFileSource } from '../../sources/objects-file.js';
import type { Runtime } from '../setup-context.js';
import type { MulticlusterOptions } from './options.js';

export interface SourceDeps {
  readonly logger: Logger;
  readonly runtime: Runtime;
}

export function createObjectSource(options: MulticlusterOptions, d: Directive, deps: SourceDeps): ObjectSource {
  switch (options.source.kind) {
    case 'objects':
      return new ObjectsFileSource({ path: options.source.path, logger: deps.logger, clock: deps.runtime.clock });
    case 'kubeconfig':
    case 'in-cluster':
      throw ConfigError.at(d, `'multicluster': the Kubernetes API source is not built yet; use 'objects PATH'`);
  }
}
