// The discovery documents (/api, /api/v1, /apis, /apis/{group}, /apis/{group}/{version}, /version)
// for the resources the fake serves, shaped as the apiserver's.

import { apiVersionOf, type ResourceTable } from './resources.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function groupVersions(group: string, versions: readonly string[]): {
  versions: { groupVersion: string; version: string }[];
  preferredVersion: { groupVersion: string; version: string };
} {
  const list = versions.map((version) => ({ groupVersion: apiVersionOf(group, version), version }));
  return { versions: list, preferredVersion: list[0] ?? { groupVersion: '', version: '' } };
}

/** The discovery document for `path`, or undefined when the path is not a discovery path. */
export function discoveryDocument(table: ResourceTable, path: string, serverAddress: string): object | undefined {
  if (path === '/version') {
    return { major: '1', minor: '33', gitVersion: 'v1.33.0-fake', platform: 'linux/amd64' };
  }
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
  const gv = path === '/api/v1' ? { group: '', version: 'v1' } : /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (gv === null) return undefined;
  const group = Array.isArray(gv) ? (gv[1] ?? '') : gv.group;
  const version = Array.isArray(gv) ? (gv[2] ?? '') : gv.version;
  const defs = table.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const resources: object[] = [];
  for (const def of defs) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: VERBS,
      ...(def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
    });
    if (def.statusSubresource) {
      resources.push({ name: `${def.plural}/status`, singularName: '', namespaced: def.namespaced, kind: def.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}
