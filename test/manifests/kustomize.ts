// A small kustomize build for our manifests: resources (files and directories), patches
// (strategic merge by kind and name; lists of named items merged by name), namespace,
// commonLabels (metadata, selectors and pod templates, as kustomize applies them), labels (pairs
// on metadata; selectors and templates only when asked) and images. Any other kustomization field
// is an error, so a manifest using more than this fails the test rather than being silently
// misread; where kubectl is installed, a test compares this build with `kubectl kustomize`.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Obj = Record<string, unknown>;

const KNOWN = new Set(['apiVersion', 'kind', 'namespace', 'commonLabels', 'labels', 'resources', 'patches', 'images']);
const KNOWN_LABELS = new Set(['pairs', 'includeSelectors', 'includeTemplates']);
const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readYamlDocs(path: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  return docs.flatMap((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]!.message}`);
    const v: unknown = d.toJS();
    if (v === null || v === undefined) return [];
    if (!isObj(v)) throw new Error(`${path}: a document is not a mapping`);
    return [v];
  });
}

function meta(o: Obj): Obj {
  if (!isObj(o.metadata)) o.metadata = {};
  return o.metadata as Obj;
}

function mergeLabels(target: Obj, key: string, labels: Readonly<Record<string, string>>): void {
  target[key] = { ...(isObj(target[key]) ? (target[key] as Obj) : {}), ...labels };
}

/** Strategic merge: maps merge, lists of objects with `name` merge by name, other lists replace. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObj(base) && isObj(patch)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = k in base ? strategicMerge(base[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => isObj(p) && typeof p.name === 'string')) {
    const out = [...base];
    for (const p of patch as Obj[]) {
      const i = out.findIndex((b) => isObj(b) && b.name === p.name);
      if (i >= 0) out[i] = strategicMerge(out[i], p);
      else out.push(p);
    }
    return out;
  }
  return patch;
}

function key(o: Obj): string {
  return `${String(o.kind)}/${String(meta(o).name)}`;
}

export function build(dir: string): Obj[] {
  const k = readYamlDocs(join(dir, 'kustomization.yaml'))[0];
  if (k === undefined) throw new Error(`${dir}: empty kustomization`);
  for (const f of Object.keys(k)) if (!KNOWN.has(f)) throw new Error(`${dir}: unsupported kustomization field '${f}'`);
  const objs: Obj[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const path = join(dir, r);
    objs.push(...(statSync(path).isDirectory() ? build(path) : readYamlDocs(path)));
  }
  const seen = new Set<string>();
  for (const o of objs) {
    if (seen.has(key(o))) throw new Error(`${dir}: duplicate resource ${key(o)}`);
    seen.add(key(o));
  }
  for (const p of (k.patches ?? []) as Obj[]) {
    const patches = typeof p.path === 'string' ? readYamlDocs(join(dir, p.path)) : [];
    for (const patch of patches) {
      const i = objs.findIndex((o) => key(o) === key(patch));
      if (i < 0) throw new Error(`${dir}: patch target ${key(patch)} not found`);
      objs[i] = strategicMerge(objs[i], patch) as Obj;
    }
  }
  if (typeof k.namespace === 'string') {
    for (const o of objs) {
      if (!CLUSTER_SCOPED.has(String(o.kind))) meta(o).namespace = k.namespace;
      if (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') {
        for (const s of (o.subjects ?? []) as Obj[]) if (s.kind === 'ServiceAccount') s.namespace = k.namespace;
      }
    }
  }
  if (isObj(k.commonLabels)) applyLabels(objs, k.commonLabels as Record<string, string>, true, true);
  for (const l of (k.labels ?? []) as Obj[]) {
    for (const f of Object.keys(l)) if (!KNOWN_LABELS.has(f)) throw new Error(`${dir}: unsupported labels field '${f}'`);
    const selectors = l.includeSelectors === true;
    applyLabels(objs, (l.pairs ?? {}) as Record<string, string>, selectors, selectors || l.includeTemplates === true);
  }
  for (const img of (k.images ?? []) as Obj[]) {
    for (const c of containersOf(objs)) {
      if (c.image !== img.name) continue;
      c.image = `${String(img.newName ?? img.name)}${img.newTag === undefined ? '' : `:${String(img.newTag)}`}`;
    }
  }
  return objs;
}

/** Labels on every object's metadata; on selectors and pod templates only when asked (commonLabels asks for both). */
function applyLabels(objs: readonly Obj[], labels: Readonly<Record<string, string>>, selectors: boolean, templates: boolean): void {
  for (const o of objs) {
    mergeLabels(meta(o), 'labels', labels);
    const spec = o.spec;
    if (!isObj(spec)) continue;
    if (selectors && o.kind === 'Service') mergeLabels(spec, 'selector', labels);
    if (selectors && (WORKLOADS.has(String(o.kind)) || o.kind === 'PodDisruptionBudget')) {
      if (!isObj(spec.selector)) spec.selector = {};
      mergeLabels(spec.selector as Obj, 'matchLabels', labels);
    }
    if (templates && WORKLOADS.has(String(o.kind)) && isObj(spec.template)) mergeLabels(meta(spec.template), 'labels', labels);
    const pod = podSpecOf(o);
    if (selectors && pod !== null && o.kind !== 'Pod') for (const sel of podSelectors(pod)) mergeLabels(sel, 'matchLabels', labels);
  }
}

/** The label selectors in a pod template that kustomize extends with selector labels: (anti-)affinity
 * terms and topology spread constraints, only where they already have matchLabels. */
function podSelectors(pod: Obj): Obj[] {
  const out: Obj[] = [];
  const add = (sel: unknown) => {
    if (isObj(sel) && isObj(sel.matchLabels)) out.push(sel);
  };
  const affinity = isObj(pod.affinity) ? pod.affinity : {};
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = affinity[kind];
    if (!isObj(a)) continue;
    for (const t of (a.requiredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[]) add(t.labelSelector);
    for (const t of (a.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[]) {
      if (isObj(t.podAffinityTerm)) add(t.podAffinityTerm.labelSelector);
    }
  }
  for (const c of (pod.topologySpreadConstraints ?? []) as Obj[]) add(c.labelSelector);
  return out;
}

export function podSpecOf(o: Obj): Obj | null {
  const spec = o.spec;
  if (!isObj(spec)) return null;
  if (o.kind === 'Pod') return spec;
  if (WORKLOADS.has(String(o.kind)) && isObj(spec.template) && isObj(spec.template.spec)) return spec.template.spec;
  return null;
}

export function containersOf(objs: readonly Obj[]): Obj[] {
  return objs.flatMap((o) => {
    const pod = podSpecOf(o);
    return pod === null ? [] : [...((pod.containers ?? []) as Obj[]), ...((pod.initContainers ?? []) as Obj[])];
  });
}
