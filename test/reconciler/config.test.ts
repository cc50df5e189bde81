import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/reconciler/config.js';
import { parseDuration } from '../../src/corefile/duration.js';

const existing = new Set(['/etc/c1.kubeconfig', '/etc/c2.kubeconfig', '/base/rel.kubeconfig']);
const opts = { fileExists: (p: string) => existing.has(p), baseDir: '/base' };

const twoClusters = `
clusters:
  - id: cluster1
    kubeconfig: /etc/c1.kubeconfig
  - id: cluster2
    inCluster: true
`;

describe('config durations (the Corefile parser, shared)', () => {
  const cases: Array<[string, number | null]> = [
    ['60s', 60_000],
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['', null],
    ['60', null],
    ['5 s', null],
    ['1d', null],
    ['s', null],
  ];
  it.each(cases)('%j => %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('parseConfigText', () => {
  const cases: Array<{ name: string; input: string; shouldErr: boolean; errContains?: string }> = [
    { name: 'minimal', input: twoClusters, shouldErr: false },
    {
      name: 'full example of the issue',
      input: `${twoClusters}
derivedService: {naming: hash}
namespaces: []
unreachableGracePeriod: 60s
leaderElection: {enabled: true, namespace: clusterset-system, leaseName: clusterset-reconciler,
                 leaseDuration: 15s, renewDeadline: 10s, retryPeriod: 2s}
listen: {health: ":8081", metrics: ":9154"}
`,
      shouldErr: false,
    },
    { name: 'no clusters', input: 'clusters: []', shouldErr: true, errContains: 'clusters: must list at least one cluster' },
    { name: 'not a mapping', input: '- a', shouldErr: true, errContains: 'config must be a YAML mapping' },
    {
      name: 'missing kubeconfig file',
      input: `clusters:\n  - id: a\n    kubeconfig: /etc/c1.kubeconfig\n  - id: b\n    kubeconfig: /nope\n`,
      shouldErr: true,
      errContains: 'clusters[1].kubeconfig: file does not exist',
    },
    {
      name: 'relative kubeconfig resolved against the config dir',
      input: `clusters:\n  - id: a\n    kubeconfig: rel.kubeconfig\n`,
      shouldErr: false,
    },
    {
      name: 'both kubeconfig and inCluster',
      input: `clusters:\n  - id: a\n    kubeconfig: /etc/c1.kubeconfig\n    inCluster: true\n`,
      shouldErr: true,
      errContains: 'clusters[0]: set either kubeconfig or inCluster',
    },
    {
      name: 'neither kubeconfig nor inCluster',
      input: `clusters:\n  - id: a\n`,
      shouldErr: true,
      errContains: 'clusters[0].kubeconfig: is required unless inCluster',
    },
    {
      name: 'bad cluster id',
      input: `clusters:\n  - id: Cluster_1\n    inCluster: true\n`,
      shouldErr: true,
      errContains: 'clusters[0].id: "Cluster_1" is not an RFC 1123 subdomain',
    },
    {
      name: 'duplicate cluster id',
      input: `clusters:\n  - id: a\n    inCluster: true\n  - id: a\n    kubeconfig: /etc/c2.kubeconfig\n`,
      shouldErr: true,
      errContains: 'clusters[1].id: "a" is also the id of clusters[0]',
    },
    {
      name: 'unknown top-level key',
      input: `${twoClusters}\nnamespace: [a]\n`,
      shouldErr: true,
      errContains: 'namespace: unknown key',
    },
    {
      name: 'unknown cluster key',
      input: `clusters:\n  - id: a\n    inCluster: true\n    kubeConfig: x\n`,
      shouldErr: true,
      errContains: 'clusters[0].kubeConfig: unknown key',
    },
    {
      name: 'renewDeadline not shorter than leaseDuration',
      input: `${twoClusters}\nleaderElection: {leaseDuration: 10s, renewDeadline: 10s}\n`,
      shouldErr: true,
      errContains: 'leaderElection.renewDeadline: must be shorter than leaseDuration',
    },
    {
      name: 'retryPeriod not shorter than renewDeadline',
      input: `${twoClusters}\nleaderElection: {retryPeriod: 12s}\n`,
      shouldErr: true,
      errContains: 'leaderElection.retryPeriod: must be shorter than renewDeadline',
    },
    {
      name: 'duration without unit',
      input: `${twoClusters}\nunreachableGracePeriod: 60\n`,
      shouldErr: true,
      errContains: 'unreachableGracePeriod: must be a duration string',
    },
    {
      name: 'duration with bad unit',
      input: `${twoClusters}\nunreachableGracePeriod: 1d\n`,
      shouldErr: true,
      errContains: 'unreachableGracePeriod: "1d" is not a duration',
    },
    {
      name: 'prefix naming needs a prefix',
      input: `${twoClusters}\nderivedService: {naming: prefix}\n`,
      shouldErr: true,
      errContains: 'derivedService.prefix: must be a non-empty',
    },
    {
      name: 'unknown naming',
      input: `${twoClusters}\nderivedService: {naming: random}\n`,
      shouldErr: true,
      errContains: 'derivedService.naming: must be "hash" or "prefix"',
    },
    {
      name: 'bad listen address',
      input: `${twoClusters}\nlisten: {health: "8081"}\n`,
      shouldErr: true,
      errContains: 'listen.health: "8081" is not a listen address',
    },
    {
      name: 'lease in an unknown cluster',
      input: `${twoClusters}\nleaderElection: {cluster: c9}\n`,
      shouldErr: true,
      errContains: 'leaderElection.cluster: "c9" is not the id of a cluster',
    },
    {
      name: 'bad namespace',
      input: `${twoClusters}\nnamespaces: [ok, "Not_OK"]\n`,
      shouldErr: true,
      errContains: 'namespaces[1]: "Not_OK" is not a namespace name',
    },
    {
      name: 'api rate limit must be positive',
      input: `${twoClusters}\napiRateLimit: {qps: 0}\n`,
      shouldErr: true,
      errContains: 'apiRateLimit.qps: must be a positive number',
    },
    {
      name: 'api rate limit unknown key',
      input: `${twoClusters}\napiRateLimit: {rate: 5}\n`,
      shouldErr: true,
      errContains: 'apiRateLimit.rate: unknown key',
    },
    {
      name: 'bad mcs version',
      input: `${twoClusters}\nmcsApiVersion: v2\n`,
      shouldErr: true,
      errContains: 'mcsApiVersion: must be v1alpha1 or v1beta1',
    },
    {
      name: 'yaml syntax error',
      input: `clusters: [\n`,
      shouldErr: true,
      errContains: 'config:',
    },
  ];

  it.each(cases)('$name', ({ input, shouldErr, errContains }) => {
    if (shouldErr) {
      expect(() => parseConfigText(input, opts)).toThrow(errContains ?? '');
    } else {
      expect(() => parseConfigText(input, opts)).not.toThrow();
    }
  });

  it('applies defaults and freezes', () => {
    const c = parseConfigText(twoClusters, opts);
    expect(c.clusters).toEqual([
      { id: 'cluster1', kubeconfig: '/etc/c1.kubeconfig', context: null, inCluster: false },
      { id: 'cluster2', kubeconfig: null, context: null, inCluster: true },
    ]);
    expect(c.derivedService).toEqual({ naming: 'hash' });
    expect(c.namespaces).toEqual([]);
    expect(c.unreachableGracePeriodMs).toBe(60_000);
    expect(c.mcsApiVersion).toBeNull(); // discovered per member cluster
    expect(c.apiRateLimit).toEqual({ qps: 50, burst: 100 })
    expect(c.leaderElection).toEqual({
      enabled: true,
      cluster: 'cluster2',
      namespace: 'clusterset-system',
      leaseName: 'clusterset-reconciler',
      identity: null,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(c.listen).toEqual({ health: { host: '', port: 8081 }, metrics: { host: '', port: 9154 } });
    expect(c.retry).toEqual({ baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 100 });
    expect(Object.isFrozen(c.clusters[0])).toBe(true);
  });

  it('reads prefix naming, relative paths and IPv6 listen addresses', () => {
    const c = parseConfigText(
      `clusters:\n  - id: a\n    kubeconfig: rel.kubeconfig\n    context: ctx\n` +
        `derivedService: {naming: prefix, prefix: amcs-}\nlisten: {health: "[::1]:0", metrics: ""}\n`,
      opts,
    );
    expect(c.clusters[0]).toMatchObject({ kubeconfig: '/base/rel.kubeconfig', context: 'ctx' });
    expect(c.derivedService).toEqual({ naming: 'prefix', prefix: 'amcs-' });
    expect(c.listen).toEqual({ health: { host: '::1', port: 0 }, metrics: null });
  });
});

describe('config/reconciler.yaml', () => {
  it('parses (with its kubeconfig paths taken as existing)', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../config/reconciler.yaml', import.meta.url), 'utf8');
    const c = parseConfigText(text, { fileExists: () => true });
    expect(c.clusters.map((x) => x.id)).toEqual(['cluster1', 'cluster2']);
    expect(c.leaderElection.cluster).toBe('cluster2');
  });
});
