// A name under a namespace that does not exist is NXDOMAIN (as CoreDNS answers), even
// while a ServiceImport of that namespace is still known: the Kubernetes source watches
// Namespaces and ServiceImports on separate streams, so a namespace's deletion can arrive before
// the deletions of what it held. The service's pre-encoded answers must not outlive it.

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Rcode } from '../../src/dns/constants.js';
import type { Reply } from '../../src/dns/reply.js';
import { requestFromQuery } from '../../src/dns/request-from-query.js';
import { readQuery } from '../../src/dns/query-reader.js';
import { parseMulticluster } from '../../src/plugins/multicluster/options.js';
import { MulticlusterPlugin } from '../../src/plugins/multicluster/plugin.js';
import { toImportRecord } from '../../src/sources/convert.js';
import type { ObjectSnapshot, ObjectSource } from '../../src/sources/model.js';
import { SnapshotStore } from '../../src/sources/snapshot-store.js';
import { encodeQuery } from '../support/dns-format.js';

const Z = 'clusterset.local.';

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

describe('a namespace deleted before its imports', () => {
  it('makes the names under it NXDOMAIN at once, then answers again when it comes back', async () => {
    const store = new SnapshotStore();
    store.addNamespace('provider-ns');
    const imported = toImportRecord({
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'service1', namespace: 'provider-ns' },
      spec: { type: 'ClusterSetIP', ips: ['10.0.0.1'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    if (!imported.ok) throw new Error(imported.error);
    store.upsertImport(imported.record);
    store.commit();
    const directive = { name: 'multicluster', args: [], block: [], file: 'Corefile', line: 1 };
    const plugin = new MulticlusterPlugin(parseMulticluster(directive, [Z], '/'), storeSource(store), pino({ level: 'silent' }), Date.now());
    await plugin.start();
    const names = [`service1.provider-ns.svc.${Z}`, `_http._tcp.service1.provider-ns.svc.${Z}`] as const;
    const rcodes = (): number[] => [ask(plugin, names[0], 'A').rcode, ask(plugin, names[1], 'SRV').rcode];
    // Asked once, so that the answers are encoded and remembered.
    expect(rcodes()).toEqual([Rcode.NOERROR, Rcode.NOERROR]);

    store.deleteNamespace('provider-ns');
    store.commit();
    expect(rcodes()).toEqual([Rcode.NXDOMAIN, Rcode.NXDOMAIN]);

    store.addNamespace('provider-ns');
    store.commit();
    expect(rcodes()).toEqual([Rcode.NOERROR, Rcode.NOERROR]);
    await plugin.stop();
  });
});
