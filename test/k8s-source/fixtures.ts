// Shared pieces of the Kubernetes-source tests: MCS object builders for the fake API server, a
// fake API with a kubeconfig in a temp dir, a log sink to read what the source said, and a
// Corefile harness wired to the fake with short informer timings.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions, type KubeObject } from '../fake-apiserver/index.js';
import { makeHarness, type Harness } from '../support/harness.js';
import type { MulticlusterPlugin } from '../../src/plugins/multicluster/plugin.js';
import type { KubernetesInformerTuning } from '../../src/sources/kubernetes-source.js';

export const MCS = 'multicluster.x-k8s.io';
export const FAST: KubernetesInformerTuning = { backoff: { initialMs: 20, maxMs: 200 }, idleTimeoutMs: 3000 };

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function serviceImport(
  ns: string,
  name: string,
  spec: Record<string, unknown>,
  version: 'v1alpha1' | 'v1beta1' = 'v1alpha1',
): KubeObject {
  // The MCS CRDs require type and ports: a real cluster rejects an import without them.
  const full = { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec };
  return { apiVersion: `${MCS}/${version}`, kind: 'ServiceImport', metadata: { name, namespace: ns }, spec: full } as KubeObject;
}

export interface EndpointSpec {
  readonly ip: string;
  readonly hostname?: string;
  readonly ready?: boolean;
}

/** An imported EndpointSlice; `service: null` leaves the MCS labels off (an ordinary slice). */
export function slice(ns: string, name: string, service: string | null, cluster: string, endpoints: readonly EndpointSpec[]): KubeObject {
  const labels: Record<string, string> =
    service === null
      ? { 'kubernetes.io/service-name': name }
      : { 'multicluster.kubernetes.io/service-name': service, 'multicluster.kubernetes.io/source-cluster': cluster };
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
      conditions: { ready: e.ready ?? true },
    })),
  } as KubeObject;
}

/** Log lines as parsed JSON objects, for asserting what was logged. */
export interface LogSink {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  messages(): string[];
}

export function logSink(level: pino.Level = 'debug'): LogSink {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines, messages: () => lines.map((l) => String(l['msg'])) };
}

/** The fake API and temp dirs one test uses; close() releases all of them. */
export class TestCluster {
  private readonly dirs: string[] = [];
  private readonly harnesses: Harness[] = [];
  api: FakeApiServer | null = null;

  async startApi(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    this.api = await startFakeApiServer({ bookmarkIntervalMs: 100, ...opts });
    return this.api;
  }

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-source-'));
    this.dirs.push(dir);
    return dir;
  }

  kubeconfig(): string {
    if (this.api === null) throw new Error('start the fake API first');
    return this.api.writeKubeconfig(this.tempDir(), 'consumer');
  }

  /** A Corefile block `clusterset.local { multicluster { kubeconfig <file>; ...options } }`. */
  harness(options: readonly string[] = [], logger?: Logger, tuning: KubernetesInformerTuning = FAST): Harness {
    const corefile = `clusterset.local {\n  multicluster {\n    kubeconfig ${this.kubeconfig()} consumer\n${options.map((o) => `    ${o}\n`).join('')}  }\n}\n`;
    const h = makeHarness({ corefile, runtime: { kubernetesInformer: tuning }, ...(logger ? { logger } : {}) });
    this.harnesses.push(h);
    return h;
  }

  async close(): Promise<void> {
    for (const h of this.harnesses.splice(0)) await h.stop();
    await this.api?.close();
    this.api = null;
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

export function multiclusterPlugin(h: Harness): MulticlusterPlugin {
  const p = h.blocks[0]?.plugins.find((x) => x.name === 'multicluster');
  if (p === undefined) throw new Error('no multicluster plugin in the harness');
  return p as MulticlusterPlugin;
}

/** `RCODE TYPE DATA, TYPE DATA...` of a query through the harness: the answer, compactly. */
export async function answers(h: Harness, name: string, type = 'A'): Promise<string> {
  const r = await h.ask(name, type);
  return `${r.rcode} ${r.answer.map((l) => l.split(' ').slice(3).join(' ')).join(', ')}`.trim();
}

/** Waits (bounded) until the answer for `name` reads `expected`. */
export async function follows(h: Harness, name: string, expected: string, type = 'A'): Promise<void> {
  await eventually(() => answers(h, name, type), (v) => v === expected, `${name} ${type} -> ${expected}`);
}

/** Polls `probe` until `ok` holds (bounded), returning the last value; throws naming `what` on timeout. */
export async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, maxMs = 20_000): Promise<T> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${maxMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
