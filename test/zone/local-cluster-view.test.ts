// How `local_cluster` keeps its work out of the query path: the local cluster is part of each
// headless ServiceView, so a service's answers are encoded once per view and then served as the
// same bytes; a new local cluster id publishes a snapshot that rebuilds the headless views only
// (a ClusterSetIP view, its answers and their encoding are kept); an endpoint change rebuilds its
// service's view with the local cluster applied again.

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/dns/reply.js';
import { readQuery } from '../../src/dns/query-reader.js';
import { requestFromQuery } from '../../src/dns/request-from-query.js';
import { parseMulticluster } from '../../src/plugins/multicluster/options.js';
import { MulticlusterPlugin } from '../../src/plugins/multicluster/plugin.js';
import type { ImportRecord, ObjectSnapshot, ObjectSource, SliceRecord } from '../../src/sources/model.js';
import { SnapshotStore } from '../../src/sources/snapshot-store.js';
import { decode, encodeQuery } from '../support/dns-format.js';

const Z = 'clusterset.local.';
const DB = `db.apps.svc.${Z}`;
const WEB = `web.apps.svc.${Z}`;

function storeSource(store: SnapshotStore): ObjectSource {
  return {
    current: (): ObjectSnapshot => store.current(),
    synced: () => true,
    subscribe: (listener) => store.subscribe(listener),
    start: async () => undefined,
    stop: async () => undefined,
  };
}

function ask(plugin: MulticlusterPlugin, name: string, type: 'A' | 'SRV'): Reply {
  const packet = encodeQuery(name, type);
  const parsed = readQuery(packet);
  if (parsed.kind !== 'query') throw new Error('bad test query');
  const req = requestFromQuery(parsed, packet, { proto: 'udp', family: 4, remoteAddress: '127.0.0.1', remotePort: 5353 }, { server: 'dns://:53', zone: Z });
  const out = plugin.serve(req, () => {
    throw new Error('no fallthrough expected');
  });
  if (out instanceof Promise) throw new Error('synchronous answer expected');
  return out;
}

/** The addresses of an A answer, sorted. */
function addresses(reply: Reply): string[] {
  if (reply.wire === null) return [];
  return decode(reply.wire).answer.map((l) => l.split(' ').at(-1) ?? '').sort();
}

const imp = (name: string, type: ImportRecord['type'], ips: string[] = []): ImportRecord => ({
  namespace: 'apps',
  name,
  type,
  ips,
  ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
});

const slice = (service: string, clusterId: string, addresses: string[]): SliceRecord => ({
  namespace: 'apps',
  name: `${service}-${clusterId}`,
  serviceName: service,
  clusterId,
  addressType: 'IPv4',
  ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
  endpoints: addresses.map((a) => ({ addresses: [a], hostname: null, ready: true })),
});

async function setup(): Promise<{ store: SnapshotStore; plugin: MulticlusterPlugin }> {
  const store = new SnapshotStore();
  store.addNamespace('apps');
  store.upsertImport(imp('db', 'Headless'));
  store.upsertImport(imp('web', 'ClusterSetIP', ['10.96.0.10']));
  for (const s of [slice('db', 'east', ['10.1.0.1']), slice('db', 'west', ['10.2.0.1']), slice('web', 'east', ['10.1.0.20'])]) store.upsertSlice(s);
  store.commit();
  const block = [{ name: 'local_cluster', args: [], block: null, file: 'Corefile', line: 2 }];
  const directive = { name: 'multicluster', args: [], block, file: 'Corefile', line: 1 };
  const plugin = new MulticlusterPlugin(parseMulticluster(directive, [Z], '/'), storeSource(store), pino({ level: 'silent' }), Date.now());
  await plugin.start();
  return { store, plugin };
}

describe('local cluster first, per snapshot', () => {
  it('a new local cluster id publishes a snapshot that lists no service, and rebuilds only headless views', async () => {
    const { store, plugin } = await setup();
    expect(addresses(ask(plugin, DB, 'A'))).toEqual(['10.1.0.1', '10.2.0.1']);
    const before = plugin.state.view;
    const webAnswer = ask(plugin, WEB, 'A');

    store.setLocalCluster('east');
    const snap = store.commit();
    expect(snap?.changed).toEqual(new Set());
    expect(snap?.localCluster).toBe('east');
    const after = plugin.state.view;
    expect(after.localCluster).toBe('east');
    expect(after.services.get('apps/web')).toBe(before.services.get('apps/web'));
    expect(after.services.get('apps/db')).not.toBe(before.services.get('apps/db'));
    expect(after.services.get('apps/db')?.preferCluster).toBe('east');
    expect(after.services.get('apps/web')?.preferCluster).toBeNull();
    expect(addresses(ask(plugin, DB, 'A'))).toEqual(['10.1.0.1']);
    // The ClusterSetIP service's encoded answer is the same bytes as before the change.
    expect(ask(plugin, WEB, 'A').wire).toBe(webAnswer.wire);

    // The same id again publishes nothing.
    store.setLocalCluster('east');
    expect(store.commit()).toBeNull();
    await plugin.stop();
  });

  it('encodes a service\'s answers once per view: repeated questions get the same bytes', async () => {
    const { store, plugin } = await setup();
    store.setLocalCluster('west');
    store.commit();
    const first = ask(plugin, DB, 'A');
    expect(addresses(first)).toEqual(['10.2.0.1']);
    expect(ask(plugin, DB, 'A')).toBe(first);
    const state = plugin.state;
    // Through the per-service encoded answers (not only the per-snapshot memo).
    expect(state.serviceAnswer(Z, DB, 1)).toBe(state.serviceAnswer(Z, DB, 1));
    expect(state.serviceAnswer(Z, DB, 1)?.wire).toBe(first.wire);
    await plugin.stop();
  });

  it('an endpoint change applies the local cluster to the new endpoints; clearing the id restores every cluster', async () => {
    const { store, plugin } = await setup();
    store.setLocalCluster('east');
    store.commit();
    expect(addresses(ask(plugin, DB, 'A'))).toEqual(['10.1.0.1']);
    store.upsertSlice(slice('db', 'east', ['10.1.0.1', '10.1.0.2']));
    store.commit();
    expect(addresses(ask(plugin, DB, 'A'))).toEqual(['10.1.0.1', '10.1.0.2']);
    store.upsertSlice({ ...slice('db', 'east', ['10.1.0.1', '10.1.0.2']), endpoints: [{ addresses: ['10.1.0.1'], hostname: null, ready: false }] });
    store.commit();
    expect(addresses(ask(plugin, DB, 'A'))).toEqual(['10.2.0.1']);
    store.setLocalCluster(null);
    store.commit();
    expect(addresses(ask(plugin, DB, 'A'))).toEqual(['10.2.0.1']);
    store.upsertSlice(slice('db', 'east', ['10.1.0.1']));
    store.commit();
    expect(addresses(ask(plugin, DB, 'A'))).toEqual(['10.1.0.1', '10.2.0.1']);
    await plugin.stop();
  });

  it('an id given in the Corefile wins over the source\'s', async () => {
    const store = new SnapshotStore();
    store.addNamespace('apps');
    store.upsertImport(imp('db', 'Headless'));
    for (const s of [slice('db', 'east', ['10.1.0.1']), slice('db', 'west', ['10.2.0.1'])]) store.upsertSlice(s);
    store.setLocalCluster('west');
    store.commit();
    const block = [{ name: 'local_cluster', args: ['east'], block: null, file: 'Corefile', line: 2 }];
    const directive = { name: 'multicluster', args: [], block, file: 'Corefile', line: 1 };
    const plugin = new MulticlusterPlugin(parseMulticluster(directive, [Z], '/'), storeSource(store), pino({ level: 'silent' }), Date.now());
    await plugin.start();
    expect(addresses(ask(plugin, DB, 'A'))).toEqual(['10.1.0.1']);
    await plugin.stop();
  });
});
