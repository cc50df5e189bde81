// The walk-through driven with real kubectl against two test API servers: the provider (cluster1)
// gets its namespace, Service, Deployment and ServiceExport with `kubectl apply -f` (and, since no
// controller runs there, an EndpointSlice of two ready pods straight through the server's API);
// the consumer (cluster2) gets `kubectl create ns` and a hand-made ServiceImport. With the
// reconciler (derived Services named amcs-<service>) and clusterset-dns reading the consumer,
// kubectl shows the derived Service and the import's IP, and dig gets that IP for the name.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ReconcilerApp } from '../../src/reconciler/app.js';
import { parseConfigObject } from '../../src/reconciler/config.js';
import { startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { dig } from '../support/dig.js';
import { makeHarness, type Harness as DnsHarness } from '../support/harness.js';
import { Kubectl } from './kubectl.js';

const NS = 'provider-ns';
const ZONE = 'clusterset.local';

const PROVIDER_MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: ${NS}
---
apiVersion: v1
kind: Service
metadata:
  name: service1
  namespace: ${NS}
spec:
  type: ClusterIP
  selector:
    app: web-demo
  ports:
    - name: http
      port: 80
      protocol: TCP
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-demo
  namespace: ${NS}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web-demo
  template:
    metadata:
      labels:
        app: web-demo
    spec:
      containers:
        - name: web
          image: registry.k8s.io/e2e-test-images/agnhost:2.45
          args: ["netexec", "--http-port=8080"]
          ports:
            - containerPort: 8080
---
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceExport
metadata:
  name: service1
  namespace: ${NS}
`;

const CONSUMER_IMPORT = `apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata:
  name: service1
  namespace: ${NS}
spec:
  type: ClusterSetIP
  ports:
    - name: http
      port: 80
      protocol: TCP
`;

/** kubectl's table: the header's columns and each row's cells, split on runs of two or more spaces. */
function table(stdout: string): { header: string[]; rows: string[][] } {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const split = (l: string): string[] => l.trim().split(/\s{2,}/);
  return { header: split(lines[0] ?? ''), rows: lines.slice(1).map(split) };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
}

describe('walk-through with real kubectl: export in cluster1, import in cluster2, dig the clusterset name', () => {
  let dir: string;
  let provider: FakeApiServer;
  let consumer: FakeApiServer;
  let kubectl1: Kubectl;
  let kubectl2: Kubectl;
  let app: ReconcilerApp | undefined;
  let dns: DnsHarness | undefined;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-walkthrough-'));
    // Both clusters serve the MCS group as the shipped CRDs do: v1alpha1 and v1beta1, v1beta1 stored.
    provider = await startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'], bookmarkIntervalMs: 200 });
    consumer = await startFakeApiServer({ multiclusterVersions: ['v1alpha1', 'v1beta1'], bookmarkIntervalMs: 200 });
    const kc1 = provider.writeKubeconfig(dir, 'cluster1');
    const kc2 = consumer.writeKubeconfig(dir, 'cluster2');
    kubectl1 = await Kubectl.forServer(kc1, join(dir, 'home1'));
    kubectl2 = await Kubectl.forServer(kc2, join(dir, 'home2'));

    writeFileSync(join(dir, 'provider.yaml'), PROVIDER_MANIFEST);
    await kubectl1.ok(['apply', '-f', join(dir, 'provider.yaml')]);
    // No EndpointSlice controller runs in a test API server: the two ready pods' slice goes in directly.
    provider.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'service1-7xk2p',
        namespace: NS,
        labels: { 'kubernetes.io/service-name': 'service1', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: NS, name: 'web-demo-5d4f8-abcde' } },
        { addresses: ['10.244.2.7'], conditions: { ready: true }, nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: NS, name: 'web-demo-5d4f8-fghij' } },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });

    await kubectl2.ok(['create', 'ns', NS]);
    writeFileSync(join(dir, 'import.yaml'), CONSUMER_IMPORT);
    await kubectl2.ok(['apply', '-f', join(dir, 'import.yaml')]);

    app = new ReconcilerApp({
      config: parseConfigObject({
        clusters: [
          { id: 'cluster1', kubeconfig: kc1 },
          { id: 'cluster2', kubeconfig: kc2 },
        ],
        derivedService: { naming: 'prefix', prefix: 'amcs-' },
        unreachableGracePeriod: '60s',
        resyncPeriod: '30s',
        leaderElection: { enabled: false },
        listen: { health: '127.0.0.1:0', metrics: '127.0.0.1:0' },
      }),
      logger: pino({ level: process.env['RECONCILER_TEST_LOG'] ?? 'silent' }),
      registry: new Registry(),
      probeIntervalMs: 100,
      requestTimeoutMs: 2_000,
    });
    await app.start();
    dns = makeHarness({
      corefile: `${ZONE} {\n  multicluster {\n    kubeconfig ${kc2}\n    startup_timeout 10s\n  }\n}\n`,
      runtime: { kubernetesInformer: { backoff: { initialMs: 50, maxMs: 500 }, idleTimeoutMs: 5000 } },
    });
    port = await dns.serve();
  }, 120_000);

  afterAll(async () => {
    await dns?.stop();
    await app?.stop();
    await provider?.close();
    await consumer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl get service lists the derived amcs-service1 with a ClusterIP; the import and dig carry that IP', async () => {
    const row = await eventually('amcs-service1 in kubectl get service', async () => {
      const t = table(await kubectl2.ok(['get', 'service', '-n', NS]));
      expect(t.header).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      return t.rows.find((r) => r[0] === 'amcs-service1');
    });
    const [, type, clusterIp, externalIp, ports] = row;
    expect(type).toBe('ClusterIP');
    expect(clusterIp).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(externalIp).toBe('<none>');
    expect(ports).toBe('80/TCP');

    const imported = await eventually('spec.ips in kubectl get serviceimport -o yaml', async () => {
      const si = parse(await kubectl2.ok(['get', 'serviceimport', 'service1', '-n', NS, '-o', 'yaml'])) as { spec?: { ips?: string[] } };
      return si.spec?.ips !== undefined && si.spec.ips.length > 0 ? si : undefined;
    });
    expect(imported).toMatchObject({ kind: 'ServiceImport', metadata: { name: 'service1', namespace: NS }, spec: { type: 'ClusterSetIP', ips: [clusterIp] } });

    const answer = await eventually('an A answer from clusterset-dns', async () => {
      const r = await dig(port, [`service1.${NS}.svc.${ZONE}`]);
      return r.answer.length > 0 ? r : undefined;
    });
    expect(answer.answer).toEqual([`service1.${NS}.svc.${ZONE}. 5 IN A ${clusterIp}`]);
  }, 90_000);

  it('the provider kept what kubectl applied: the Deployment stored with its defaults, never run', async () => {
    const deploy = table(await kubectl1.ok(['get', 'deployment', 'web-demo', '-n', NS]));
    expect(deploy.header).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(deploy.rows[0]?.slice(0, 4)).toEqual(['web-demo', '0/2', '0', '0']);
    const obj = parse(await kubectl1.ok(['get', 'deployment', 'web-demo', '-n', NS, '-o', 'yaml'])) as Record<string, any>;
    expect(obj.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(obj.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080, protocol: 'TCP' }] });
    expect(obj.status).toBeUndefined();
    const exports = table(await kubectl1.ok(['get', 'serviceexports', '-n', NS]));
    expect(exports.rows.map((r) => r[0])).toEqual(['service1']);
  });
});
