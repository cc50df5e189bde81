// The leader elector's Lease access (coordination.k8s.io/v1) over the reconciler's REST client.

import type { LeaseClient } from './leader-election.js';
import type { KubeRest, ResourcePath } from './kube-rest.js';
import type { Lease } from './objects.js';

const LEASES: ResourcePath = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

export function restLeaseClient(rest: KubeRest): LeaseClient {
  return {
    get: (namespace, name) => rest.get<Lease>(LEASES, namespace, name),
    create: (lease) => rest.create(LEASES, lease),
    update: (lease) => rest.replace(LEASES, lease),
  };
}
