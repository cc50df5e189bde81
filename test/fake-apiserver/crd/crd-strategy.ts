// What the apiserver does with a CustomResourceDefinition write: defaults (singular, listKind,
// conversion None), spec validation (name = plural.group, scope, schemas, exactly one storage
// version), status kept by the server (accepted names, Established, storedVersions gaining each
// new storage version), and the rule that an update may not drop a version still listed in
// status.storedVersions nor the storage version from it.

import { invalidFields } from '../api-error.js';
import type { KindStrategy } from '../kind-strategies.js';
import { fieldErrors, type FieldError } from '../schema/field-errors.js';
import { isRecord, type KubeObject } from '../types.js';

type Rec = Record<string, unknown>;

const CRD_GK = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function rec(v: unknown): Rec {
  return isRecord(v) ? v : {};
}

function versionsOf(crd: KubeObject): Rec[] {
  const v = rec(crd.spec).versions;
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function applyDefaults(crd: KubeObject): void {
  const spec = rec(crd.spec);
  const names = rec(spec.names);
  if (typeof names.kind === 'string') {
    if (typeof names.singular !== 'string' || names.singular === '') names.singular = names.kind.toLowerCase();
    if (typeof names.listKind !== 'string' || names.listKind === '') names.listKind = `${names.kind}List`;
  }
  if (!isRecord(spec.conversion)) spec.conversion = { strategy: 'None' };
}

function specErrors(crd: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = rec(crd.spec);
  const names = rec(spec.names);
  const group = typeof spec.group === 'string' ? spec.group : '';
  const plural = typeof names.plural === 'string' ? names.plural : '';
  if (group === '') errs.push(fieldErrors.required('spec.group'));
  else if (!group.includes('.')) errs.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  if (plural === '') errs.push(fieldErrors.required('spec.names.plural'));
  if (typeof names.kind !== 'string' || names.kind === '') errs.push(fieldErrors.required('spec.names.kind'));
  const name = crd.metadata.name ?? '';
  if (group !== '' && plural !== '' && name !== `${plural}.${group}`) {
    errs.push(fieldErrors.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }
  if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') {
    errs.push(spec.scope === undefined ? fieldErrors.required('spec.scope') : fieldErrors.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  }
  const versions = versionsOf(crd);
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((v, i) => {
    const vname = typeof v.name === 'string' ? v.name : '';
    if (!DNS1035.test(vname)) {
      errs.push(fieldErrors.invalid(`spec.versions[${i}].name`, vname, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"));
    }
    if (seen.has(vname)) errs.push(fieldErrors.invalid('spec.versions', spec.versions, 'must contain unique version names'));
    seen.add(vname);
    if (v.storage === true) storage++;
    if (!isRecord(rec(v.schema).openAPIV3Schema)) errs.push(fieldErrors.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
  });
  if (storage !== 1) errs.push(fieldErrors.invalid('spec.versions', spec.versions ?? null, 'must have exactly one version marked as storage version'));
  return errs;
}

/** ValidateCustomResourceDefinitionStoredVersions: every stored version is still listed, the storage one included. */
function storedVersionErrors(crd: KubeObject): FieldError[] {
  const stored = rec(crd.status).storedVersions;
  const list = Array.isArray(stored) ? stored.filter((s): s is string => typeof s === 'string') : [];
  if (list.length === 0) return [fieldErrors.invalid('status.storedVersions', list, 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const remaining = new Map(list.map((v, i) => [v, i] as const));
  for (const v of versionsOf(crd)) {
    const name = String(v.name ?? '');
    if (v.storage === true && !remaining.has(name)) errs.push(fieldErrors.invalid('status.storedVersions', list, `must have the storage version ${name}`));
    remaining.delete(name);
  }
  for (const [v, i] of remaining) errs.push(fieldErrors.invalid(`status.storedVersions[${i}]`, v, 'must appear in spec.versions'));
  return errs;
}

const APPROVAL = 'api-approved.kubernetes.io';
const APPROVAL_HELP = 'see https://github.com/kubernetes/enhancements/pull/1111';

function protectedGroup(group: unknown): boolean {
  return typeof group === 'string' && (group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io'));
}

/** The approval state of a CRD's api-approved.kubernetes.io annotation (apihelpers.GetAPIApprovalState). */
function approvalState(crd: KubeObject | undefined): 'missing' | 'approved' | 'bypassed' | 'invalid' {
  const value = crd?.metadata.annotations?.[APPROVAL];
  if (value === undefined) return 'missing';
  if (value.startsWith('unapproved')) return 'bypassed';
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '' ? 'approved' : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** CRDs in the community's protected groups (*.k8s.io, *.kubernetes.io) need an approved API review. */
function approvalErrors(crd: KubeObject, old: KubeObject | undefined): FieldError[] {
  if (!protectedGroup(rec(crd.spec).group)) return [];
  const state = approvalState(crd);
  if (old !== undefined && approvalState(old) === state) return [];
  const field = `metadata.annotations[${APPROVAL}]`;
  if (state === 'missing') return [fieldErrors.required(field, `protected groups must have approval annotation "${APPROVAL}", ${APPROVAL_HELP}`)];
  if (state === 'invalid') {
    return [fieldErrors.invalid(field, crd.metadata.annotations?.[APPROVAL] ?? '', `protected groups must have approval annotation "${APPROVAL}" with either a URL or a reason starting with "unapproved", ${APPROVAL_HELP}`)];
  }
  return [];
}

function immutableErrors(crd: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const [path, get] of [
    ['spec.group', (o: KubeObject) => rec(o.spec).group],
    ['spec.names.plural', (o: KubeObject) => rec(rec(o.spec).names).plural],
  ] as const) {
    if (get(crd) !== get(old)) errs.push(fieldErrors.invalid(path, get(crd) ?? null, 'field is immutable'));
  }
  return errs;
}

/** The storage version joins status.storedVersions when it is new there. */
function recordStorageVersion(crd: KubeObject): void {
  const status = rec(crd.status);
  const stored = Array.isArray(status.storedVersions) ? [...(status.storedVersions as string[])] : [];
  const storage = versionsOf(crd).find((v) => v.storage === true);
  if (storage !== undefined && !stored.includes(String(storage.name))) stored.push(String(storage.name));
  status.storedVersions = stored;
  crd.status = status;
}

function acceptNames(crd: KubeObject, old: KubeObject | undefined): void {
  const status = rec(crd.status);
  status.acceptedNames = structuredClone(rec(crd.spec).names);
  const now = nowRfc3339();
  const conditions = old === undefined || !Array.isArray(status.conditions) ? [
    { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now },
    { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now },
  ] : (status.conditions as Rec[]);
  const previous = conditions.find((c) => c.type === 'KubernetesAPIApprovalPolicyConformant');
  const kept = conditions.filter((c) => c !== previous);
  if (protectedGroup(rec(crd.spec).group)) {
    const value = crd.metadata.annotations?.[APPROVAL] ?? '';
    const next =
      approvalState(crd) === 'approved'
        ? { type: 'KubernetesAPIApprovalPolicyConformant', status: 'True', reason: 'ApprovedAnnotation', message: `approved in ${value}` }
        : { type: 'KubernetesAPIApprovalPolicyConformant', status: 'False', reason: 'UnapprovedAnnotation', message: `not approved: ${JSON.stringify(value)}` };
    const same = previous !== undefined && previous.status === next.status && previous.message === next.message;
    kept.push(same ? previous : { ...next, lastTransitionTime: now });
  }
  status.conditions = kept;
  crd.status = status;
}

function fail(crd: KubeObject, errs: FieldError[]): void {
  if (errs.length > 0) throw invalidFields(CRD_GK, crd.metadata.name ?? '', errs);
}

export const crdStrategy: KindStrategy = {
  prepareCreate(crd) {
    applyDefaults(crd);
    crd.status = {};
    recordStorageVersion(crd);
    fail(crd, [...specErrors(crd), ...approvalErrors(crd, undefined)]);
    acceptNames(crd, undefined);
  },
  prepareUpdate(crd, old) {
    applyDefaults(crd);
    crd.status = structuredClone(old.status ?? {});
    recordStorageVersion(crd);
    fail(crd, [...specErrors(crd), ...approvalErrors(crd, old), ...immutableErrors(crd, old), ...storedVersionErrors(crd)]);
    acceptNames(crd, old);
  },
  prepareStatusUpdate(crd) {
    fail(crd, storedVersionErrors(crd));
  },
};
