// Large objects files: parsed in a worker thread (the same records as parsing in place, YAML
// errors with their line), applied in slices while the old data keeps serving: during a reload,
// timers keep firing and every snapshot a reader sees is the whole old file or the whole new one.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectSnapshot } from '../../src/sources/model.js';
import { ObjectsFileSource } from '../../src/sources/objects-file.js';
import { manyImportsYaml } from '../support/many-imports.js';

const MIXED = `apiVersion: v1
kind: Namespace
metadata: {name: empty-ns}
---
apiVersion: about.k8s.io/v1alpha1
kind: ClusterProperty
metadata: {name: cluster.clusterset.k8s.io}
spec: {value: east}
---
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: broken, namespace: apps}
spec: {type: Nonsense}
---
${manyImportsYaml(30)}`;

/** What a snapshot serves, comparable across sources. */
function contents(s: ObjectSnapshot): unknown {
  return {
    namespaces: [...s.namespaces].sort(),
    imports: [...s.imports.entries()].sort(),
    slices: [...s.slices.entries()].sort(),
    localCluster: s.localCluster,
  };
}

describe('ObjectsFileSource with a large file', () => {
  let dir: string;
  const sources: ObjectsFileSource[] = [];
  const source = (path: string, inThreadMaxChars?: number, logs: string[] = [], onLog: (msg: string) => void = () => undefined): ObjectsFileSource => {
    const logger = pino({ level: 'debug' }, {
      write: (l: string) => {
        const msg = (JSON.parse(l) as { msg: string }).msg;
        logs.push(msg);
        onLog(msg);
      },
    });
    const s = new ObjectsFileSource({ path, logger, pollIntervalMs: 50, ...(inThreadMaxChars === undefined ? {} : { inThreadMaxChars }) });
    sources.push(s);
    return s;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'objects-large-'));
  });
  afterEach(async () => {
    for (const s of sources.splice(0)) await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the same data whether the file is parsed in place or in the worker, and reports the same problems', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, MIXED);
    const inPlaceLogs: string[] = [];
    const workerLogs: string[] = [];
    const inPlace = source(path, Infinity, inPlaceLogs);
    const worker = source(path, 0, workerLogs);
    await Promise.all([inPlace.start(), worker.start()]);
    expect(contents(worker.current())).toEqual(contents(inPlace.current()));
    expect(worker.current().imports.size).toBe(30);
    expect(worker.current().localCluster).toBe('east');
    const problems = (l: string[]) => l.filter((m) => m.includes('skipped'));
    expect(problems(workerLogs)).toEqual(problems(inPlaceLogs));
    expect(problems(workerLogs)).toHaveLength(1);
  });

  it('rejects a broken file from the worker with the YAML error and its line', async () => {
    const path = join(dir, 'objects.yaml');
    await writeFile(path, `${manyImportsYaml(3)}---\nkind: [unclosed\n`);
    const s = source(path, 0);
    await expect(s.start()).rejects.toThrow(/objects file .*objects\.yaml: line \d+: /);
  });

  it('keeps serving the whole old file while a large new one loads, never a mix or a part', async () => {
    const path = join(dir, 'objects.yaml');
    const OLD = 1500;
    const NEW = 2500;
    await writeFile(path, manyImportsYaml(OLD, 'old', 10));
    let ticks = 0;
    let ticksAtLoadStart = -1;
    const s = source(path, undefined, [], (msg) => {
      if (msg === 'objects file changed: loading') ticksAtLoadStart = ticks;
    });
    await s.start();
    expect(s.current().imports.size).toBe(OLD);

    const seen = new Set<string>();
    const look = (): string => {
      const snap = s.current();
      const names = [...snap.imports.keys()];
      const kind = names.every((k) => k.includes('/old')) ? 'old' : names.every((k) => k.includes('/new')) ? 'new' : 'mixed';
      seen.add(`${kind}:${snap.imports.size}`);
      return kind;
    };
    const timer = setInterval(() => {
      ticks++;
      look();
    }, 1);
    try {
      await writeFile(path, manyImportsYaml(NEW, 'new', 11));
      const deadline = Date.now() + 20_000;
      while (s.current().imports.size !== NEW && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      clearInterval(timer);
    }
    look();
    // Only the whole old file, then the whole new one: never a mix, never a part.
    expect([...seen].sort()).toEqual([`new:${NEW}`, `old:${OLD}`]);
    // Timers kept firing while it loaded (the reader above ran throughout). Whether one fired between
    // the load's start and the swap depends on the machine's load, so it is not asserted: the
    // longest stall is measured by BENCH=objects-file instead.
    expect(ticksAtLoadStart).toBeGreaterThanOrEqual(0);
    expect(ticks).toBeGreaterThan(ticksAtLoadStart);
  });
});
