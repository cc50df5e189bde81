// A Deployment is stored and defaulted as the apiserver does (replicas, rolling update strategy,
// history limit, progress deadline, pod template defaults) and validated lightly (a selector that
// matches the template's labels and may not change, containers with images); it is never run, so
// it gets no status.

import { invalidFields } from '../api-error.js';
import type { KindStrategy } from '../kind-strategies.js';
import { fieldErrors, type FieldError } from '../schema/field-errors.js';
import { isRecord, type KubeObject } from '../types.js';
import { defaultPodTemplate } from './pod-template-defaults.js';

type Rec = Record<string, unknown>;
const GK = { group: 'apps', kind: 'Deployment' };

function specOf(obj: KubeObject): Rec {
  if (!isRecord(obj.spec)) obj.spec = {};
  return obj.spec as Rec;
}

function applyDefaults(obj: KubeObject): void {
  const spec = specOf(obj);
  spec.replicas ??= 1;
  if (!isRecord(spec.strategy)) spec.strategy = {};
  const strategy = spec.strategy as Rec;
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isRecord(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    const ru = strategy.rollingUpdate as Rec;
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

function selectorMatches(selector: Rec, labels: Record<string, unknown>): boolean {
  const ml = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isRecord) : []) {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values : [];
    const has = Object.hasOwn(labels, key);
    if (e.operator === 'In' && !(has && values.includes(labels[key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function validate(obj: KubeObject, old: KubeObject | undefined): void {
  const errs: FieldError[] = [];
  const spec = specOf(obj);
  const template = isRecord(spec.template) ? spec.template : {};
  const labels = isRecord(template.metadata) && isRecord(template.metadata.labels) ? template.metadata.labels : {};
  if (isRecord(spec.selector)) {
    const sel = spec.selector;
    const empty = !isRecord(sel.matchLabels) && !Array.isArray(sel.matchExpressions);
    if (empty) errs.push(fieldErrors.invalid('spec.selector', sel, 'empty selector is invalid for deployment'));
    else if (!selectorMatches(sel, labels)) errs.push(fieldErrors.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    if (old !== undefined && JSON.stringify(sel) !== JSON.stringify(specOf(old).selector)) {
      errs.push(fieldErrors.invalid('spec.selector', sel, 'field is immutable'));
    }
  }
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  if (containers.length === 0) errs.push(fieldErrors.required('spec.template.spec.containers'));
  containers.forEach((c, i) => {
    if (isRecord(c) && (typeof c.image !== 'string' || c.image.trim() === '')) errs.push(fieldErrors.required(`spec.template.spec.containers[${i}].image`));
  });
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    errs.push(fieldErrors.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  if (errs.length > 0) throw invalidFields(GK, obj.metadata.name ?? '', errs);
}

export const deploymentStrategy: KindStrategy = {
  prepareCreate(obj) {
    applyDefaults(obj);
    validate(obj, undefined);
  },
  prepareUpdate(obj, old) {
    applyDefaults(obj);
    validate(obj, old);
  },
};
