// The DNS server must not load @kubernetes/client-node at start-up (it costs ~80 MB RSS and over
// a second): walks the static, value-level imports from src/cli/dns-main.ts (the program the bin
// loads) through our sources and fails if any reaches the package. `import type` is erased by tsc and a dynamic
// `await import(...)` (the exec-plugin fallback) loads only when used, so neither counts.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `import x from 'm'`, `import { a, b } from 'm'`, `import 'm'`, `export * from 'm'`,
 * `export { a } from 'm'`, skipping `import type` / `export type` (no `;` may occur in between).
 */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

interface Walk {
  /** Source files reached, relative to the repository root. */
  readonly files: Set<string>;
  /** Bare package specifiers reached, with the first file that imports each. */
  readonly packages: Map<string, string>;
}

function walk(entry: string): Walk {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [resolve(root, entry)];
  for (let guard = 0; queue.length > 0 && guard < 10_000; guard++) {
    const file = queue.pop() as string;
    const rel = file.slice(root.length + 1);
    if (files.has(rel)) continue;
    files.add(rel);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) {
        // NodeNext: sources import './x.js' for './x.ts'.
        const target = join(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (!existsSync(target)) throw new Error(`${rel}: import ${spec} resolves to no file`);
        queue.push(target);
      } else if (!packages.has(spec)) {
        packages.set(spec, rel);
      }
    }
  }
  return { files, packages };
}

const isClientNode = (spec: string): boolean => spec === '@kubernetes/client-node' || spec.startsWith('@kubernetes/client-node/');

describe('the DNS server import graph', () => {
  it('reaches the Kubernetes source but not @kubernetes/client-node', () => {
    const { files, packages } = walk('src/cli/dns-main.ts');
    // The walk really follows the graph down to the Kubernetes transport.
    expect(files).toContain('src/plugins/multicluster/source-factory.ts');
    expect(files).toContain('src/k8s/informer.ts');
    expect(files).toContain('src/k8s/kubeconfig-lite.ts');
    expect(files).toContain('src/k8s/client-node-connection.ts');
    const offenders = [...packages].filter(([spec]) => isClientNode(spec)).map(([spec, from]) => `${from} imports ${spec}`);
    expect(offenders).toEqual([]);
  });

  // The walker itself: it must see what a static import looks like and ignore the rest.
  const samples: { source: string; found: string[] }[] = [
    { source: "import { KubeConfig } from '@kubernetes/client-node';", found: ['@kubernetes/client-node'] },
    { source: "import {\n  KubeConfig,\n  type X,\n} from '@kubernetes/client-node';", found: ['@kubernetes/client-node'] },
    { source: "import * as k8s from '@kubernetes/client-node';", found: ['@kubernetes/client-node'] },
    { source: "import '@kubernetes/client-node';", found: ['@kubernetes/client-node'] },
    { source: "export { KubeConfig } from '@kubernetes/client-node';", found: ['@kubernetes/client-node'] },
    { source: "import type { KubeConfig } from '@kubernetes/client-node';", found: [] },
    { source: "export type { KubeConfig } from '@kubernetes/client-node';", found: [] },
    { source: "const { KubeConfig } = await import('@kubernetes/client-node');", found: [] },
    { source: "export const a = 1;\nconst s = 'from';\nimport type { B } from 'b';", found: [] },
  ];
  it.each(samples)('recognises: $source', ({ source, found }) => {
    expect([...source.matchAll(STATIC_IMPORT)].map((m) => m[1])).toEqual(found);
  });
});
