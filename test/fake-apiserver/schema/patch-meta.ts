// The strategic-merge-patch metadata of the built-in types the fake serves, as the Go types' struct
// tags declare it (patchStrategy / patchMergeKey) and the published OpenAPI carries it
// (x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key). Keyed by client-node model name and
// JSON field; lists not named here are atomic (replaced whole by a strategic merge patch).

export interface PatchMeta {
  readonly strategy: string;
  readonly mergeKey?: string;
}

export const PATCH_META: Readonly<Record<string, PatchMeta>> = {
  'V1ObjectMeta.finalizers': { strategy: 'merge' },
  'V1ObjectMeta.ownerReferences': { strategy: 'merge', mergeKey: 'uid' },
  'V1ServiceSpec.ports': { strategy: 'merge', mergeKey: 'port' },
  'V1ServiceAccount.secrets': { strategy: 'merge', mergeKey: 'name' },
  'V1PodSpec.volumes': { strategy: 'merge,retainKeys', mergeKey: 'name' },
  'V1PodSpec.initContainers': { strategy: 'merge', mergeKey: 'name' },
  'V1PodSpec.containers': { strategy: 'merge', mergeKey: 'name' },
  'V1PodSpec.ephemeralContainers': { strategy: 'merge', mergeKey: 'name' },
  'V1PodSpec.imagePullSecrets': { strategy: 'merge', mergeKey: 'name' },
  'V1PodSpec.hostAliases': { strategy: 'merge', mergeKey: 'ip' },
  'V1PodSpec.topologySpreadConstraints': { strategy: 'merge', mergeKey: 'topologyKey' },
  'V1PodSpec.resourceClaims': { strategy: 'merge,retainKeys', mergeKey: 'name' },
  'V1PodSpec.schedulingGates': { strategy: 'merge', mergeKey: 'name' },
  'V1Container.ports': { strategy: 'merge', mergeKey: 'containerPort' },
  'V1Container.env': { strategy: 'merge', mergeKey: 'name' },
  'V1Container.volumeMounts': { strategy: 'merge', mergeKey: 'mountPath' },
  'V1Container.volumeDevices': { strategy: 'merge', mergeKey: 'devicePath' },
  'V1EphemeralContainer.ports': { strategy: 'merge', mergeKey: 'containerPort' },
  'V1EphemeralContainer.env': { strategy: 'merge', mergeKey: 'name' },
  'V1EphemeralContainer.volumeMounts': { strategy: 'merge', mergeKey: 'mountPath' },
  'V1EphemeralContainer.volumeDevices': { strategy: 'merge', mergeKey: 'devicePath' },
  'V1DeploymentSpec.strategy': { strategy: 'retainKeys' },
  'V1DeploymentStatus.conditions': { strategy: 'merge', mergeKey: 'type' },
  'V1NamespaceStatus.conditions': { strategy: 'merge', mergeKey: 'type' },
  'V1ServiceStatus.conditions': { strategy: 'merge', mergeKey: 'type' },
  'V1PodDisruptionBudgetStatus.conditions': { strategy: 'merge', mergeKey: 'type' },
};

/**
 * Built-in fields that hold a resource.Quantity: client-node types them as strings, but the
 * apiserver also accepts JSON numbers there (`cpu: 1`).
 */
export const QUANTITY_FIELDS: ReadonlySet<string> = new Set([
  'V1ResourceRequirements.limits',
  'V1ResourceRequirements.requests',
  'V1EmptyDirVolumeSource.sizeLimit',
  'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests',
]);
