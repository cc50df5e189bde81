// The defaults the apiserver fills into a pod template (SetDefaults_PodSpec, _Container, _Probe,
// volume sources): what `kubectl get deployment -o yaml` shows beyond what was applied.

import { isRecord } from '../types.js';

type Rec = Record<string, unknown>;

function records(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function defaultProbe(p: unknown): void {
  if (!isRecord(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (isRecord(p.httpGet)) p.httpGet.scheme ??= 'HTTP';
}

function imagePullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Rec): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= imagePullPolicy(c.image);
  for (const port of records(c.ports)) port.protocol ??= 'TCP';
  for (const env of records(c.env)) {
    if (isRecord(env.valueFrom) && isRecord(env.valueFrom.fieldRef)) env.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

function defaultVolume(v: Rec): void {
  for (const source of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    const s = v[source];
    if (isRecord(s)) s.defaultMode ??= 420;
  }
}

export function defaultPodTemplate(template: unknown): void {
  if (!isRecord(template)) return;
  if (!isRecord(template.spec)) return;
  const spec = template.spec;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of [...records(spec.containers), ...records(spec.initContainers)]) defaultContainer(c);
  for (const v of records(spec.volumes)) defaultVolume(v);
}
