// The server-side table columns and cells of the built-in kinds, as the apiserver's printers make
// them for `kubectl get` (pkg/printers/internalversion): Service's TYPE, CLUSTER-IP, EXTERNAL-IP,
// PORT(S); Deployment's READY 0/2; and so on. Wide (priority 1) columns are always included; kubectl
// shows them only with -o wide.

import { isRecord, type KubeObject } from '../types.js';
import { ageOf } from './human-duration.js';

export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export interface Printer {
  readonly columns: readonly TableColumn[];
  cells(obj: KubeObject, now: number): unknown[];
}

type Rec = Record<string, unknown>;

function col(name: string, type = 'string', priority = 0, format = ''): TableColumn {
  return { name, type, format, description: '', priority };
}

const NAME = { ...col('Name', 'string', 0, 'name'), description: 'Name must be unique within a namespace.' };
const AGE = { ...col('Age'), description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

function rec(v: unknown): Rec {
  return isRecord(v) ? v : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function age(obj: KubeObject, now: number): string {
  return ageOf(obj.metadata.creationTimestamp, now);
}

function int(v: unknown): number {
  return typeof v === 'number' ? Math.trunc(v) : 0;
}

/** labels.FormatLabels: sorted k=v pairs, or <none>. */
function formatLabels(v: unknown): string {
  const entries = Object.entries(rec(v)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '<none>' : entries.map(([k, val]) => `${k}=${String(val)}`).join(',');
}

/** metav1.LabelSelectorAsSelector(...).String(). */
function formatSelector(v: unknown): string {
  const sel = rec(v);
  const parts = Object.entries(rec(sel.matchLabels)).map(([k, val]) => ({ key: k, text: `${k}=${String(val)}` }));
  for (const e of list(sel.matchExpressions).map(rec)) {
    const key = String(e.key);
    const values = list(e.values).map(String).sort();
    const text =
      e.operator === 'In' ? `${key} in (${values.join(',')})` : e.operator === 'NotIn' ? `${key} notin (${values.join(',')})` : e.operator === 'Exists' ? key : `!${key}`;
    parts.push({ key, text });
  }
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.length === 0 ? '<none>' : parts.map((p) => p.text).join(',');
}

function containerCells(podTemplate: unknown): [string, string] {
  const containers = list(rec(rec(podTemplate).spec).containers).map(rec);
  return [containers.map((c) => String(c.name ?? '')).join(','), containers.map((c) => String(c.image ?? '')).join(',')];
}

function firstN(values: string[], max: number, empty: string): string {
  if (values.length === 0) return empty;
  const shown = values.slice(0, max).join(',');
  return values.length > max ? `${shown} + ${values.length - max} more...` : shown;
}

function serviceExternalIp(spec: Rec, status: Rec): string {
  const external = list(spec.externalIPs).map(String);
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = list(rec(status.loadBalancer).ingress).map(rec).map((i) => String(i.ip ?? i.hostname ?? ''));
      const all = [...lb, ...external].filter((x) => x !== '');
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return String(spec.externalName ?? '');
    default:
      return '<unknown>';
  }
}

function subjects(obj: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of list(obj.subjects).map(rec)) {
    if (s.kind === 'User') users.push(String(s.name));
    else if (s.kind === 'Group') groups.push(String(s.name));
    else if (s.kind === 'ServiceAccount') sas.push(`${String(s.namespace ?? '')}:${String(s.name)}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

const bindingPrinter: Printer = {
  columns: [NAME, col('Role'), AGE, col('Users', 'string', 1), col('Groups', 'string', 1), col('ServiceAccounts', 'string', 1)],
  cells: (o, now) => {
    const ref = rec(o.roleRef);
    return [o.metadata.name, `${String(ref.kind)}/${String(ref.name)}`, age(o, now), ...subjects(o)];
  },
};

/** The printers of the built-in kinds that have their own, by resource key. */
export const BUILTIN_PRINTERS: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  [
    '/services',
    {
      columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
      cells: (o, now) => {
        const spec = rec(o.spec);
        const ips = list(spec.clusterIPs).map(String);
        const ports = list(spec.ports).map(rec).map((p) => (int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${String(p.protocol ?? '')}` : `${int(p.port)}/${String(p.protocol ?? '')}`));
        return [o.metadata.name, String(spec.type ?? ''), ips[0] ?? '<none>', serviceExternalIp(spec, rec(o.status)), ports.length > 0 ? ports.join(',') : '<none>', age(o, now), formatLabels(spec.selector)];
      },
    },
  ],
  ['/namespaces', { columns: [NAME, col('Status'), AGE], cells: (o, now) => [o.metadata.name, String(rec(o.status).phase ?? ''), age(o, now)] }],
  ['/configmaps', { columns: [NAME, col('Data'), AGE], cells: (o, now) => [o.metadata.name, Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length, age(o, now)] }],
  ['/secrets', { columns: [NAME, col('Type'), col('Data'), AGE], cells: (o, now) => [o.metadata.name, String(o.type ?? ''), Object.keys(rec(o.data)).length, age(o, now)] }],
  ['/serviceaccounts', { columns: [NAME, col('Secrets'), AGE], cells: (o, now) => [o.metadata.name, list(o.secrets).length, age(o, now)] }],
  [
    'discovery.k8s.io/endpointslices',
    {
      columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
      cells: (o, now) => {
        const ports = list(o.ports).map(rec).map((p) => (typeof p.port === 'number' ? String(p.port) : typeof p.name === 'string' ? p.name : '*'));
        const addresses = list(o.endpoints).map(rec).flatMap((e) => list(e.addresses).map(String));
        return [o.metadata.name, String(o.addressType ?? ''), firstN(ports, 3, '<unset>'), firstN(addresses, 3, '<unset>'), age(o, now)];
      },
    },
  ],
  ['coordination.k8s.io/leases', { columns: [NAME, col('Holder'), AGE], cells: (o, now) => [o.metadata.name, String(rec(o.spec).holderIdentity ?? ''), age(o, now)] }],
  [
    'apps/deployments',
    {
      columns: [NAME, col('Ready'), col('Up-to-date'), col('Available'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
      cells: (o, now) => {
        const spec = rec(o.spec);
        const status = rec(o.status);
        return [o.metadata.name, `${int(status.readyReplicas)}/${int(spec.replicas)}`, int(status.updatedReplicas), int(status.availableReplicas), age(o, now), ...containerCells(spec.template), formatSelector(spec.selector)];
      },
    },
  ],
  [
    'policy/poddisruptionbudgets',
    {
      columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), AGE],
      cells: (o, now) => {
        const spec = rec(o.spec);
        const show = (v: unknown): string => (v === undefined || v === null ? 'N/A' : String(v));
        return [o.metadata.name, show(spec.minAvailable), show(spec.maxUnavailable), int(rec(o.status).disruptionsAllowed), age(o, now)];
      },
    },
  ],
  ['rbac.authorization.k8s.io/rolebindings', bindingPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', bindingPrinter],
]);

/** rest.NewDefaultTableConvertor: NAME and CREATED AT, for kinds without a printer (roles, CRDs). */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, { ...col('Created At', 'date'), description: AGE.description }],
  cells: (o) => {
    const t = typeof o.metadata.creationTimestamp === 'string' ? Date.parse(o.metadata.creationTimestamp) : Number.NaN;
    return [o.metadata.name, Number.isNaN(t) ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')];
  },
};
