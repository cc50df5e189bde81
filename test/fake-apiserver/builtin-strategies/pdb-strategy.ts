// A PodDisruptionBudget as the apiserver validates it: minAvailable and maxUnavailable exclude each
// other. No disruption controller runs, so it gets no status.

import { invalidFields } from '../api-error.js';
import type { KindStrategy } from '../kind-strategies.js';
import { fieldErrors } from '../schema/field-errors.js';
import { isRecord, type KubeObject } from '../types.js';

function check(obj: KubeObject): void {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    throw invalidFields({ group: 'policy', kind: 'PodDisruptionBudget' }, obj.metadata.name ?? '', [
      fieldErrors.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'),
    ]);
  }
}

export const pdbStrategy: KindStrategy = {
  prepareCreate: check,
  prepareUpdate: check,
};
