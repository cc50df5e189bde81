// RBAC bindings as the apiserver validates them: the roleRef names a Role or ClusterRole of the
// rbac group and can never change, and a ServiceAccount subject says its namespace when the
// binding cannot imply one.

import { invalidFields } from '../api-error.js';
import type { KindStrategy } from '../kind-strategies.js';
import { fieldErrors, type FieldError } from '../schema/field-errors.js';
import { isRecord, type KubeObject } from '../types.js';

function bindingErrors(obj: KubeObject, clusterScoped: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = isRecord(obj.roleRef) ? obj.roleRef : {};
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') errs.push(fieldErrors.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', ['rbac.authorization.k8s.io']));
  const kinds = clusterScoped ? ['ClusterRole'] : ['ClusterRole', 'Role'];
  if (!kinds.includes(String(ref.kind))) errs.push(fieldErrors.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const subjects = Array.isArray(obj.subjects) ? obj.subjects : [];
  subjects.forEach((s, i) => {
    if (!isRecord(s)) return;
    if (s.kind === 'ServiceAccount') {
      if (s.apiGroup !== undefined && s.apiGroup !== '') errs.push(fieldErrors.notSupported(`subjects[${i}].apiGroup`, s.apiGroup, ['']));
      if (clusterScoped && (typeof s.namespace !== 'string' || s.namespace === '')) errs.push(fieldErrors.required(`subjects[${i}].namespace`));
    } else if (s.kind !== 'User' && s.kind !== 'Group') {
      errs.push(fieldErrors.notSupported(`subjects[${i}].kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return errs;
}

function bindingStrategy(kind: 'ClusterRoleBinding' | 'RoleBinding'): KindStrategy {
  const gk = { group: 'rbac.authorization.k8s.io', kind };
  const clusterScoped = kind === 'ClusterRoleBinding';
  return {
    prepareCreate(obj) {
      const errs = bindingErrors(obj, clusterScoped);
      if (errs.length > 0) throw invalidFields(gk, obj.metadata.name ?? '', errs);
    },
    prepareUpdate(obj, old) {
      const errs = bindingErrors(obj, clusterScoped);
      if (JSON.stringify(obj.roleRef) !== JSON.stringify(old.roleRef)) errs.push(fieldErrors.invalid('roleRef', obj.roleRef ?? null, 'cannot change roleRef'));
      if (errs.length > 0) throw invalidFields(gk, obj.metadata.name ?? '', errs);
    },
  };
}

export const clusterRoleBindingStrategy = bindingStrategy('ClusterRoleBinding');
export const roleBindingStrategy = bindingStrategy('RoleBinding');
