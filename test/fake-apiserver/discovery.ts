// The discovery documents (/api, /api/v1, /apis, /apis/{group}, /apis/{group}/{version}, /version)
// for the resources the fake serves, shaped as the apiserver's; /api and /apis also in the
// aggregated form (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) that kubectl asks for first.

import { apiVersionOf, type ResourceDef, type ResourceTable } from './resources.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export const SERVER_VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0-fake', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2025-04-23T00:00:00Z', goVersion: 'go1.24.2', compiler: 'gc', platform: 'linux/amd64' };

export const AGGREGATED_DISCOVERY_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function groupVersions(group: string, versions: readonly string[]): {
  versions: { groupVersion: string; version: string }[];
  preferredVersion: { groupVersion: string; version: string };
} {
  const list = versions.map((version) => ({ groupVersion: apiVersionOf(group, version), version }));
  return { versions: list, preferredVersion: list[0] ?? { groupVersion: '', version: '' } };
}

function resourceList(defs: readonly ResourceDef[]): object[] {
  const resources: object[] = [];
  for (const def of defs) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: VERBS,
      ...(def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
      ...(def.categories.length > 0 ? { categories: def.categories } : {}),
    });
    if (def.statusSubresource) {
      resources.push({ name: `${def.plural}/status`, singularName: '', namespaced: def.namespaced, kind: def.kind, verbs: STATUS_VERBS });
    }
  }
  return resources;
}

/** The discovery document for `path`, or undefined when the path is not a discovery path. */
export function discoveryDocument(table: ResourceTable, path: string, serverAddress: string): object | undefined {
  if (path === '/version') return SERVER_VERSION;
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }
  if (path === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: table.groups().map((g) => ({ name: g.group, ...groupVersions(g.group, g.versions) })),
    };
  }
  const groupMatch = /^\/apis\/([^/]+)$/.exec(path);
  if (groupMatch !== null) {
    const g = table.groups().find((x) => x.group === groupMatch[1]);
    return g === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', name: g.group, ...groupVersions(g.group, g.versions) };
  }
  const gv = path === '/api/v1' ? ['', '', 'v1'] : /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (gv === null) return undefined;
  const group = gv[1] ?? '';
  const version = gv[2] ?? '';
  const defs = table.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources: resourceList(defs) };
}

function discoveryResource(def: ResourceDef, version: string): object {
  const responseKind = { group: def.group, version, kind: def.kind };
  return {
    resource: def.plural,
    responseKind,
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: VERBS,
    ...(def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
    ...(def.categories.length > 0 ? { categories: def.categories } : {}),
    ...(def.statusSubresource ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] } : {}),
  };
}

/** The aggregated discovery document of /api (core group) or /apis (every other group). */
export function aggregatedDiscovery(table: ResourceTable, path: '/api' | '/apis'): object {
  const groups = path === '/api' ? [{ group: '', versions: ['v1'] as readonly string[] }] : table.groups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((version) => ({
        version,
        resources: table.inGroupVersion(g.group, version).map((def) => discoveryResource(def, version)),
        freshness: 'Current',
      })),
    })),
  };
}
