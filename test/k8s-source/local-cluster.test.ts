// `local_cluster` without an id against the fake API server: the ClusterProperty
// `cluster.clusterset.k8s.io` (about.k8s.io/v1alpha1) names the local cluster through the same
// connection as the other informers; a change of its spec.value, its deletion, a bad value, its
// absence and an API that does not serve clusterproperties at all are each followed and said once
// in the log. With an id given, or without the option, nothing about ClusterProperty is asked.

import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../fake-apiserver/index.js';
import { waitUntil } from '../fake-apiserver/index.js';
import type { Harness } from '../support/harness.js';
import { answers, FAST, follows, logSink, multiclusterPlugin, namespace, serviceImport, slice, TestCluster, type LogSink } from './fixtures.js';

const cluster = new TestCluster();
const ABOUT = 'about.k8s.io/v1alpha1';
const PROPERTY = 'cluster.clusterset.k8s.io';
const DB = 'db.apps.svc.clusterset.local.';
const EVERY = 'NOERROR A 10.1.0.1, A 10.2.0.1';

afterEach(async () => {
  await cluster.close();
});

function clusterProperty(value: string): KubeObject {
  return { apiVersion: ABOUT, kind: 'ClusterProperty', metadata: { name: PROPERTY }, spec: { value } } as KubeObject;
}

/** A headless `db` with one ready endpoint in east and one in west. */
async function startApiWithDb(): Promise<NonNullable<TestCluster['api']>> {
  const api = await cluster.startApi();
  api.create(namespace('apps'));
  api.create(serviceImport('apps', 'db', { type: 'Headless', ports: [{ name: 'pg', port: 5432 }] }));
  api.create(slice('apps', 'db-east', 'db', 'east', [{ ip: '10.1.0.1', hostname: 'db-0' }]));
  api.create(slice('apps', 'db-west', 'db', 'west', [{ ip: '10.2.0.1', hostname: 'db-0' }]));
  return api;
}

async function started(options: readonly string[], sink: LogSink, tuning = FAST): Promise<Harness> {
  const h = cluster.harness(options, sink.logger, tuning);
  await h.start();
  expect(multiclusterPlugin(h).ready()).toBe(true);
  return h;
}

const said = (sink: LogSink, text: string): number => sink.messages().filter((m) => m.includes(text)).length;

describe('local_cluster from the ClusterProperty', () => {
  it('follows spec.value, a bad value and the deletion of the ClusterProperty', async () => {
    const api = await startApiWithDb();
    api.create(clusterProperty('east'));
    const sink = logSink('info');
    const h = await started(['local_cluster'], sink);
    expect(await answers(h, DB)).toBe('NOERROR A 10.1.0.1');
    expect(await answers(h, DB, 'SRV')).toBe(`NOERROR SRV 0 100 8080 db-0.east.${DB}`);
    expect(said(sink, `local cluster is east (ClusterProperty ${PROPERTY})`)).toBe(1);

    api.patch(ABOUT, 'ClusterProperty', undefined, PROPERTY, { spec: { value: 'west' } });
    await follows(h, DB, 'NOERROR A 10.2.0.1');
    expect(await answers(h, DB, 'SRV')).toBe(`NOERROR SRV 0 100 8080 db-0.west.${DB}`);
    // Per-pod names are not affected.
    expect(await answers(h, `db-0.east.${DB}`)).toBe('NOERROR A 10.1.0.1');

    api.patch(ABOUT, 'ClusterProperty', undefined, PROPERTY, { spec: { value: 'West_2' } });
    await follows(h, DB, EVERY);
    await waitUntil(() => said(sink, `ClusterProperty ${PROPERTY} skipped: spec.value: 'West_2' is not a cluster id`) === 1, 'the bad value logged');
    await waitUntil(() => said(sink, 'no local cluster any more') === 1, 'no local cluster logged');

    api.patch(ABOUT, 'ClusterProperty', undefined, PROPERTY, { spec: { value: 'east' } });
    await follows(h, DB, 'NOERROR A 10.1.0.1');
    api.delete(ABOUT, 'ClusterProperty', undefined, PROPERTY);
    await follows(h, DB, EVERY);
    await waitUntil(() => said(sink, 'no local cluster any more') === 2, 'the deletion logged');
    expect(said(sink, `local cluster is east (ClusterProperty ${PROPERTY})`)).toBe(2);
  });

  it('absent: every cluster\'s endpoints, said once; created later, it applies', async () => {
    const api = await startApiWithDb();
    const sink = logSink('info');
    const h = await started(['local_cluster'], sink);
    expect(await answers(h, DB)).toBe(EVERY);
    // Other changes come and go; the absence is not said again.
    api.create(slice('apps', 'db-north', 'db', 'north', [{ ip: '10.3.0.1' }]));
    await follows(h, DB, 'NOERROR A 10.1.0.1, A 10.2.0.1, A 10.3.0.1');
    expect(said(sink, `ClusterProperty ${PROPERTY} not found: no local cluster`)).toBe(1);

    api.create(clusterProperty('north'));
    await follows(h, DB, 'NOERROR A 10.3.0.1');
  });

  it('not served by the API: ready, every cluster\'s endpoints, said once; found when it is served later', async () => {
    const api = await startApiWithDb();
    api.faults.failUntilCleared(404, '/apis/about.k8s.io');
    const sink = logSink('info');
    // Discovery looks again every resync interval.
    const h = await started(['local_cluster'], sink, { ...FAST, resyncMs: 200 });
    expect(await answers(h, DB)).toBe(EVERY);
    await waitUntil(() => api.requests.all.filter((r) => r.path.startsWith('/apis/about.k8s.io/v1alpha1') && r.status === 404).length >= 3, 'discovery asked again');
    expect(said(sink, 'clusterproperties.about.k8s.io/v1alpha1 is not served: no local cluster')).toBe(1);
    expect(sink.lines.filter((l) => Number(l['level']) >= 40 && String(l['msg']).includes('ClusterProperty'))).toEqual([]);

    api.create(clusterProperty('west'));
    api.faults.clearFailures();
    await follows(h, DB, 'NOERROR A 10.2.0.1');
    expect(said(sink, `watching ClusterProperty ${PROPERTY}`)).toBe(1);
  });

  it('with an id given, or without the option, nothing about ClusterProperty is asked', async () => {
    const api = await startApiWithDb();
    api.create(clusterProperty('west'));
    const given = await started(['local_cluster east'], logSink('warn'));
    expect(await answers(given, DB)).toBe('NOERROR A 10.1.0.1');
    const without = await started([], logSink('warn'));
    expect(await answers(without, DB)).toBe(EVERY);
    expect(api.requests.all.filter((r) => r.path.includes('about.k8s.io'))).toEqual([]);
  });
});
