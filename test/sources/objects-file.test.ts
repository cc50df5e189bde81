// ObjectsFileSource with real files in a temporary directory: loading (documents, Lists, a mix),
// bad objects reported and skipped, the reload paths editors and Kubernetes use, a broken file
// keeping the last good data, and publication only on real change.

import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectSnapshot } from '../../src/sources/model.js';
import { ObjectsFileSource } from '../../src/sources/objects-file.js';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const WARN = 40;
const ERROR = 50;

const NAMESPACE = (name: string): string => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
`;

const IMPORT = (name: string, ip: string, namespace = 'provider-ns'): string => `apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  type: ClusterSetIP
  ips:
  - ${ip}
  ports:
  - name: http
    port: 80
    protocol: TCP
`;

const SLICE = (name: string, address: string, namespace = 'provider-ns'): string => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}
  namespace: ${namespace}
  labels:
    multicluster.kubernetes.io/service-name: web
    multicluster.kubernetes.io/source-cluster: cluster-a
addressType: IPv4
endpoints:
- addresses:
  - ${address}
  conditions:
    ready: true
  hostname: web-0
ports:
- name: http
  port: 8080
  protocol: TCP
`;

function indent(text: string, by: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line, i) => (i === 0 ? line : by + line))
    .join('\n');
}

/** A `kind: List` as `kubectl get -o yaml` prints it. */
function list(...objects: string[]): string {
  return `apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: ""\nitems:\n${objects.map((o) => `- ${indent(o, '  ')}`).join('\n')}\n`;
}

function docs(...documents: string[]): string {
  return documents.join('---\n');
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ipOf(snapshot: ObjectSnapshot, key: string): string | undefined {
  return snapshot.imports.get(key)?.ips[0];
}

describe('ObjectsFileSource', () => {
  let dir: string;
  let logs: LogLine[];
  const sources: ObjectsFileSource[] = [];

  const logger = (): pino.Logger =>
    pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });

  const source = (path: string): ObjectsFileSource => {
    const s = new ObjectsFileSource({ path, logger: logger(), pollIntervalMs: 100 });
    sources.push(s);
    return s;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'objects-file-'));
    logs = [];
  });

  afterEach(async () => {
    for (const s of sources.splice(0)) await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads documents: imports, slices, and namespaces named or lived in', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, docs(NAMESPACE('empty-ns'), IMPORT('web', '10.0.0.1'), SLICE('web-a', '10.1.0.1', 'other-ns')));
    const s = source(path);
    expect(s.synced()).toBe(false);
    await s.start();
    expect(s.synced()).toBe(true);
    const snap = s.current();
    expect(snap.version).toBe(1);
    expect(ipOf(snap, 'provider-ns/web')).toBe('10.0.0.1');
    expect(snap.slices.get('other-ns/web')?.[0]?.endpoints).toEqual([
      { addresses: ['10.1.0.1'], hostname: 'web-0', ready: true },
    ]);
    expect([...snap.namespaces].sort()).toEqual(['empty-ns', 'other-ns', 'provider-ns']);
  });

  it('loads a kind: List, mixed with plain documents, and reports other kinds as skipped', async () => {
    const path = join(dir, 'objects.yaml');
    const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: svc-ns\n';
    await writeFile(path, docs(list(IMPORT('web', '10.0.0.1'), service, SLICE('web-a', '10.1.0.1')), IMPORT('api', 'fd00::A')));
    const s = source(path);
    await s.start();
    const snap = s.current();
    expect([...snap.imports.keys()].sort()).toEqual(['provider-ns/api', 'provider-ns/web']);
    expect(ipOf(snap, 'provider-ns/api')).toBe('fd00::a');
    expect(snap.slices.get('provider-ns/web')).toHaveLength(1);
    // A Service's namespace exists in the cluster the file describes.
    expect(snap.namespaces.has('svc-ns')).toBe(true);
    const skipped = logs.find((l) => l['kind'] === 'Service');
    expect(skipped).toMatchObject({ document: 0, item: 1, name: 'svc-ns/web' });
    expect(skipped?.msg).toContain('kind Service is not served');
  });

  it('skips each bad object, saying document, item, kind and name; the rest serve', async () => {
    const path = join(dir, 'objects.yaml');
    const badImport = IMPORT('bad', '10.0.0.x');
    const badSlice = SLICE('web-bad', '10.1.0.1').replace('addressType: IPv4', 'addressType: IPv7');
    await writeFile(path, docs(IMPORT('web', '10.0.0.1'), badImport, list(SLICE('web-a', '10.1.0.1'), badSlice), '- just\n- a list\n'));
    const s = source(path);
    await s.start();
    const snap = s.current();
    expect([...snap.imports.keys()]).toEqual(['provider-ns/web']);
    expect(snap.slices.get('provider-ns/web')?.map((r) => r.name)).toEqual(['web-a']);

    const warnings = logs.filter((l) => l.level === WARN);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({ document: 1, item: null, kind: 'ServiceImport', name: 'provider-ns/bad' });
    expect(warnings[0]?.msg).toMatch(/^document 1 \(line \d+\): ServiceImport 'provider-ns\/bad' skipped: spec\.ips\[0\]: '10\.0\.0\.x' is not an IP address$/);
    expect(warnings[1]).toMatchObject({ document: 2, item: 1, kind: 'EndpointSlice', name: 'provider-ns/web-bad' });
    expect(warnings[1]?.msg).toContain("document 2 item 1");
    expect(warnings[1]?.msg).toContain("addressType: 'IPv7' is not IPv4, IPv6 or FQDN");
    expect(warnings[2]).toMatchObject({ document: 3, kind: '' });
    expect(warnings[2]?.msg).toContain('not an object');
  });

  it('reads the local cluster id from the ClusterProperty cluster.clusterset.k8s.io; other properties and bad values are reported', async () => {
    const path = join(dir, 'objects.yaml');
    const property = (name: string, value: string): string =>
      `apiVersion: about.k8s.io/v1alpha1\nkind: ClusterProperty\nmetadata:\n  name: ${name}\nspec:\n  value: ${value}\n`;
    await writeFile(path, docs(IMPORT('web', '10.0.0.1'), property('clusterset.k8s.io', 'my-set'), property('cluster.clusterset.k8s.io', 'east')));
    const s = source(path);
    await s.start();
    expect(s.current().localCluster).toBe('east');
    // Cluster-scoped: it makes no namespace exist.
    expect([...s.current().namespaces]).toEqual(['provider-ns']);
    const other = logs.find((l) => l['name'] === 'clusterset.k8s.io');
    expect(other?.msg).toContain('not served: only the ClusterProperty cluster.clusterset.k8s.io is read');
    const published: ObjectSnapshot[] = [];
    s.subscribe((snap) => published.push(snap));

    await writeFile(path, docs(IMPORT('web', '10.0.0.1'), property('cluster.clusterset.k8s.io', 'west')));
    await waitFor('the new id', () => s.current().localCluster === 'west');
    expect(published.at(-1)?.changed).toEqual(new Set());

    await writeFile(path, docs(IMPORT('web', '10.0.0.1'), property('cluster.clusterset.k8s.io', 'West_1')));
    await waitFor('the bad id dropped', () => s.current().localCluster === null);
    const bad = logs.find((l) => l.level === WARN && l['kind'] === 'ClusterProperty');
    expect(bad?.msg).toContain("ClusterProperty 'cluster.clusterset.k8s.io' skipped: spec.value: 'West_1' is not a cluster id");
  });

  it('reports the line where a bad object starts', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, docs(IMPORT('web', '10.0.0.1'), IMPORT('bad', 'nope')));
    const s = source(path);
    await s.start();
    const warning = logs.find((l) => l.level === WARN);
    // After the first object's lines and the `---` line.
    const firstLines = IMPORT('web', '10.0.0.1').trimEnd().split('\n').length;
    expect(firstLines).toBe(13);
    expect(warning?.['line']).toBe(firstLines + 2);
  });

  it('start() rejects naming the file when it is missing', async () => {
    const path = join(dir, 'missing.yaml');
    const s = source(path);
    await expect(s.start()).rejects.toThrow(`objects file ${path}: cannot read`);
    expect(s.synced()).toBe(false);
  });

  it('start() rejects naming the file and the line when the YAML is broken', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, `${IMPORT('web', '10.0.0.1')}  bad: [1,\n`);
    const s = source(path);
    await expect(s.start()).rejects.toThrow(new RegExp(`^objects file ${path}: line 15: `));
    expect(s.synced()).toBe(false);
  });

  it('start() rejects a duplicate key, which YAML forbids', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, 'kind: Namespace\nkind: Namespace\n');
    await expect(source(path).start()).rejects.toThrow(/line 2: Map keys must be unique/);
  });

  it('serves an in-place edit within 1 s, as one snapshot', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, docs(IMPORT('web', '10.0.0.1'), IMPORT('api', '10.0.0.2')));
    const s = source(path);
    await s.start();
    const published: ObjectSnapshot[] = [];
    s.subscribe((snap) => published.push(snap));
    await writeFile(path, docs(IMPORT('web', '10.0.0.9'), IMPORT('api', '10.0.0.8'), IMPORT('new', '10.0.0.7')));
    await waitFor('the edit', () => ipOf(s.current(), 'provider-ns/web') === '10.0.0.9');
    await sleep(300); // let any further watch event or poll run
    expect(published).toHaveLength(1);
    const snap = published[0];
    expect(snap?.version).toBe(2);
    expect(ipOf(snap as ObjectSnapshot, 'provider-ns/api')).toBe('10.0.0.8');
    expect(snap?.changed).toEqual(new Set(['provider-ns/web', 'provider-ns/api', 'provider-ns/new']));
  });

  it('serves an edit saved by renaming a new file over the old one', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, IMPORT('web', '10.0.0.1'));
    const s = source(path);
    await s.start();
    for (const ip of ['10.0.0.2', '10.0.0.3']) {
      const temp = join(dir, `.objects.yaml.${ip}.swp`);
      await writeFile(temp, IMPORT('web', ip));
      await rename(temp, path);
      await waitFor(`ip ${ip}`, () => ipOf(s.current(), 'provider-ns/web') === ip);
    }
    expect(s.current().version).toBe(3);
  });

  it('serves a ConfigMap-style update (the ..data symlink swapped)', async () => {
    const mount = join(dir, 'config');
    await mkdir(join(mount, '..v1'), { recursive: true });
    await writeFile(join(mount, '..v1', 'objects.yaml'), IMPORT('web', '10.0.0.1'));
    await symlink('..v1', join(mount, '..data'));
    await symlink('..data/objects.yaml', join(mount, 'objects.yaml'));
    const s = source(join(mount, 'objects.yaml'));
    await s.start();
    expect(ipOf(s.current(), 'provider-ns/web')).toBe('10.0.0.1');

    // What the kubelet's atomic writer does.
    await mkdir(join(mount, '..v2'));
    await writeFile(join(mount, '..v2', 'objects.yaml'), IMPORT('web', '10.0.0.2'));
    await symlink('..v2', join(mount, '..data_tmp'));
    await rename(join(mount, '..data_tmp'), join(mount, '..data'));
    await rm(join(mount, '..v1'), { recursive: true });
    await waitFor('the swapped data', () => ipOf(s.current(), 'provider-ns/web') === '10.0.0.2');
  });

  it('keeps the last good data when the file breaks, logs why with the line, recovers', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, IMPORT('web', '10.0.0.1'));
    const s = source(path);
    await s.start();
    await writeFile(path, `${IMPORT('web', '10.0.0.2')}ports: [\n`);
    await waitFor('the error log', () => logs.some((l) => l.level === ERROR));
    const error = logs.find((l) => l.level === ERROR);
    expect(error?.msg).toContain(`objects file ${path}: line`);
    expect(error?.msg).toContain('keeping the last good data');
    expect(error?.['line']).toBeGreaterThan(0);
    expect(ipOf(s.current(), 'provider-ns/web')).toBe('10.0.0.1');
    expect(s.current().version).toBe(1);

    await writeFile(path, IMPORT('web', '10.0.0.3'));
    await waitFor('the repaired file', () => ipOf(s.current(), 'provider-ns/web') === '10.0.0.3');
    expect(s.current().version).toBe(2);
    expect(logs.filter((l) => l.level === ERROR)).toHaveLength(1);
  });

  it('keeps the data while the file is missing, and serves it again when it returns', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, IMPORT('web', '10.0.0.1'));
    const s = source(path);
    await s.start();
    await rm(path);
    await waitFor('the error log', () => logs.some((l) => l.level === ERROR));
    expect(logs.find((l) => l.level === ERROR)?.msg).toContain('cannot read');
    expect(ipOf(s.current(), 'provider-ns/web')).toBe('10.0.0.1');
    await writeFile(path, IMPORT('web', '10.0.0.4'));
    await waitFor('the returned file', () => ipOf(s.current(), 'provider-ns/web') === '10.0.0.4');
  });

  it('publishes nothing for an edit that does not change the data', async () => {
    const path = join(dir, 'objects.yaml');
    const text = docs(IMPORT('web', '10.0.0.1'), SLICE('web-a', '10.1.0.1'));
    await writeFile(path, text);
    const s = source(path);
    await s.start();
    let published = 0;
    s.subscribe(() => published++);
    const before = s.current();

    await writeFile(path, text); // same bytes
    await writeFile(path, `# a comment\n${docs(SLICE('web-a', '10.1.0.1'), IMPORT('web', '10.0.0.1'))}`);
    await waitFor('the re-read', () => logs.some((l) => String(l.msg).includes('no change in served data')));
    await sleep(300);
    expect(published).toBe(0);
    expect(s.current()).toBe(before);
    expect(s.current().version).toBe(1);
  });

  it('serves a deliberately emptied file (empty) once it stays empty', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, IMPORT('web', '10.0.0.1'));
    const s = source(path);
    await s.start();
    await writeFile(path, '');
    await waitFor('the empty data', () => s.current().imports.size === 0);
    expect(s.current().namespaces.size).toBe(0);
    expect(s.current().version).toBe(2);
  });

  it('stop() is idempotent and stops reloading', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, IMPORT('web', '10.0.0.1'));
    const s = source(path);
    await s.start();
    await s.stop();
    await s.stop();
    await writeFile(path, IMPORT('web', '10.0.0.2'));
    await sleep(400);
    expect(ipOf(s.current(), 'provider-ns/web')).toBe('10.0.0.1');
  });

  it('stop() before start() is harmless, and start() after it rejects', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, IMPORT('web', '10.0.0.1'));
    const s = source(path);
    await s.stop();
    await expect(s.start()).rejects.toThrow('stopped');
  });
});
