// forward and cache configured from a Corefile next to the clusterset.local zone, through the real
// block builder and packet handler: zone answers cached when `cache` is in the zone's block,
// everything else forwarded (and cached) by the `.` block, each block with its own cache metrics.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, FakeUpstream, answering } from '../support/fake-upstream.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { metricValue } from './plugin-harness.js';

const objects = readFileSync(new URL('../../config/objects.yaml', import.meta.url), 'utf8');
const SERVICE1 = 'service1.provider-ns.svc.clusterset.local.';

describe('forward and cache in a Corefile with the clusterset.local zone', () => {
  let up: FakeUpstream;
  let h: Harness;

  beforeAll(async () => {
    up = await FakeUpstream.start(answering((q) => ({ answers: q.type === 1 ? [A(q.name, '192.0.2.99')] : [], flags: 0x80 })));
    h = makeHarness({
      corefile:
        `clusterset.local {\n  cache\n  multicluster {\n    objects objects.yaml\n  }\n}\n` +
        `. {\n  cache 30\n  forward . ${up.address}\n}\n`,
      files: { 'objects.yaml': objects },
    });
    await h.start();
  });

  afterAll(async () => {
    await h?.stop();
    await up?.stop();
  });

  it('answers the zone and caches the answer in the zone block', async () => {
    const first = await h.ask(SERVICE1, 'A');
    const second = await h.ask(SERVICE1, 'A');
    expect(first.answer).toEqual([`${SERVICE1} 5 IN A 10.96.120.15`]);
    expect(second.answer).toEqual(first.answer);
    expect(second.flags.aa).toBe(true);
    const labels = { zones: 'clusterset.local.', type: 'success' };
    expect(await metricValue(h.runtime, 'coredns_cache_hits_total', labels)).toBeGreaterThanOrEqual(1);
    expect(up.queries.filter((q) => q.name.toLowerCase() === SERVICE1)).toHaveLength(0);
  });

  it('forwards names outside the zone once, then answers them from the cache, with RA', async () => {
    const first = await h.ask('www.example.org', 'A');
    const second = await h.ask('WWW.EXAMPLE.ORG', 'A');
    expect(first.answer).toEqual(['www.example.org. 30 IN A 192.0.2.99']);
    expect(first.flags.ra).toBe(true);
    expect(second.question).toEqual(['WWW.EXAMPLE.ORG. A']);
    expect(up.queries.filter((q) => q.name.toLowerCase() === 'www.example.org.')).toHaveLength(1);
    expect(await metricValue(h.runtime, 'coredns_cache_hits_total', { zones: '.', type: 'success' })).toBe(1);
  });
});
