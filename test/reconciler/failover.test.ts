// Two reconciler processes (the real CLI) against three fake clusters: one leads, the other keeps
// warm caches; SIGKILL the leader and the standby takes over within about one lease duration.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { endpointIps, importedSlices, podSlice, service, serviceExport, startClusterset, waitFor, type Harness } from './clusterset-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'src/cli/clusterset-reconciler.ts');

let h: Harness | null = null;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  }
  await h?.close();
  h = null;
});

interface Proc {
  readonly child: ChildProcess;
  identity(): string | undefined;
  output(): string;
}

function startCli(configFile: string): Proc {
  // node --import tsx (not the tsx wrapper, which forks) so that the signal reaches the reconciler itself.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--config', configFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } });
  children.push(child);
  let out = '';
  let identity: string | undefined;
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /"identity":"([^"]+)"[^\n]*"msg":"clusterset-reconciler started"/.exec(out);
    if (m !== null) identity = m[1];
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, identity: () => identity, output: () => out };
}

const LEASE_MS = 2_000;

describe('leader election across processes', () => {
  it('kill the leader: the standby takes over within one lease duration (plus one retry) and keeps reconciling', async () => {
    h = await startClusterset();
    const [c1, c2] = [h.servers['cluster1']!, h.servers['cluster2']!];
    c1.create(service('service1', [{ name: 'http', port: 80 }]));
    c1.create(podSlice('service1', 's1', [{ ip: '10.1.0.1' }]));
    c1.create(serviceExport('service1'));
    const configFile = join(h.dir, 'reconciler.yaml');
    writeFileSync(
      configFile,
      stringify({
        clusters: Object.entries(h.kubeconfigs).map(([id, kubeconfig]) => ({ id, kubeconfig })),
        unreachableGracePeriod: '60s',
        leaderElection: { enabled: true, cluster: 'cluster1', namespace: 'clusterset-system', leaseName: 'clusterset-reconciler', leaseDuration: '2s', renewDeadline: '1500ms', retryPeriod: '300ms' },
        listen: { health: '127.0.0.1:0', metrics: '127.0.0.1:0' },
      }),
    );
    const holder = () => (c1.find('coordination.k8s.io/v1', 'Lease', 'clusterset-system', 'clusterset-reconciler')?.['spec'] as { holderIdentity?: string } | undefined)?.holderIdentity;

    const a = startCli(configFile);
    await waitFor('first process leads', () => a.identity() !== undefined && holder() === a.identity(), 20_000);
    const b = startCli(configFile);
    await waitFor('second process up', () => b.identity() !== undefined, 20_000);
    await waitFor('converged', () => endpointIps(importedSlices(c2, 'service1')).join() === '10.1.0.1', 10_000);
    expect(holder()).toBe(a.identity());

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    c1.update(podSlice('service1', 's1', [{ ip: '10.1.0.2' }]));
    await waitFor('standby took the lease', () => holder() === b.identity(), 10_000);
    const takeover = Date.now() - killedAt;
    // Expiry is measured from the last renewal (before the kill); allow one jittered retry and scheduling slack.
    expect(takeover).toBeLessThanOrEqual(LEASE_MS + 360 + 1_000);
    await waitFor('new leader reconciles the change made while leaderless', () => endpointIps(importedSlices(c2, 'service1')).join() === '10.1.0.2', 10_000);
    const lease = c1.get('coordination.k8s.io/v1', 'Lease', 'clusterset-system', 'clusterset-reconciler');
    expect((lease['spec'] as { leaseTransitions: number }).leaseTransitions).toBe(1);

    // An orderly stop releases the lease.
    b.child.kill('SIGTERM');
    await new Promise((r) => b.child.once('exit', r));
    expect(holder()).toBe('');
  });
});

describe('clusterset-reconciler CLI', () => {
  it('a bad config fails at start with exit code 2 and a message naming the field', async () => {
    h = await startClusterset(['cluster1']);
    const configFile = join(h.dir, 'bad.yaml');
    writeFileSync(configFile, stringify({ clusters: [{ id: 'cluster1', kubeconfig: join(h.dir, 'missing.kubeconfig') }] }));
    const p = startCli(configFile);
    const code = await new Promise<number | null>((r) => p.child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(p.output()).toContain('clusters[0].kubeconfig: file does not exist');
  });
});
