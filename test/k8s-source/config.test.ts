// Setup-time errors of the Kubernetes source: a bad kubeconfig or an in-cluster environment
// without its pieces is a ConfigError at the Corefile line (before anything binds); a good one
// builds a source that reaches the fake API.

import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/corefile/types.js';
import { makeHarness } from '../support/harness.js';
import { chooseMcsVersion } from '../../src/k8s/mcs-version.js';
import { TestCluster } from './fixtures.js';

const cluster = new TestCluster();

afterEach(async () => {
  await cluster.close();
});

function setupError(corefile: string, env: Record<string, string> = {}): ConfigError | null {
  try {
    makeHarness({ corefile, runtime: { env } });
    return null;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

describe('multicluster Kubernetes config errors', () => {
  it.each([
    {
      what: 'missing kubeconfig file',
      body: (kc: string) => `    kubeconfig ${kc}.missing`,
      line: 3,
      errContains: 'file not found',
    },
    {
      what: 'unknown context',
      body: (kc: string) => `    ttl 5\n    kubeconfig ${kc} nope`,
      line: 4,
      errContains: 'context "nope" not found (contexts: consumer)',
    },
    {
      what: 'unparsable kubeconfig',
      body: (kc: string) => {
        writeFileSync(`${kc}.broken`, 'clusters: [\n');
        return `    kubeconfig ${kc}.broken`;
      },
      line: 3,
      errContains: 'cannot be loaded',
    },
    {
      what: 'in-cluster without KUBERNETES_SERVICE_HOST/PORT',
      body: () => '    ttl 5',
      line: 2,
      errContains: 'in-cluster config needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT',
    },
  ])('$what: ConfigError at line $line', async ({ body, line, errContains }) => {
    await cluster.startApi();
    const kc = cluster.kubeconfig();
    const err = setupError(`clusterset.local {\n  multicluster {\n${body(kc)}\n  }\n}\n`);
    expect(err).not.toBeNull();
    expect(err?.line).toBe(line);
    expect(err?.message).toContain(errContains);
    expect(err?.file.endsWith('Corefile')).toBe(true);
  });

  it('in-cluster with the env but no mounted service account names the missing file', () => {
    const err = setupError('clusterset.local {\n  multicluster\n}\n', { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
    expect(err?.line).toBe(2);
    expect(err?.message).toMatch(/serviceaccount\/(token|ca\.crt) not found/);
  });

  it('a good kubeconfig with a context builds a plugin that syncs from the API', async () => {
    await cluster.startApi();
    const h = cluster.harness();
    await h.start();
    expect(h.blocks[0]?.plugins.find((p) => p.name === 'multicluster')?.ready?.()).toBe(true);
  });
});

describe('chooseMcsVersion (APIGroup discovery document)', () => {
  it.each([
    { doc: { versions: [{ version: 'v1alpha1' }] }, want: 'v1alpha1' },
    { doc: { versions: [{ version: 'v1beta1' }, { version: 'v1alpha1' }] }, want: 'v1beta1' },
    { doc: { versions: [{ version: 'v1alpha1' }, { version: 'v1beta1' }] }, want: 'v1beta1' },
    { doc: { versions: [{ version: 'v1alpha2' }] }, want: null },
    { doc: { versions: 'v1beta1' }, want: null },
    { doc: null, want: null },
  ])('$doc -> $want', ({ doc, want }) => {
    expect(chooseMcsVersion(doc)).toBe(want);
  });
});
