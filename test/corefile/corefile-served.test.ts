// The Corefile grammar CoreDNS accepts, served for real: a single block written without braces,
// and a CIDR key off an octet boundary (`10.96.0.0/12`, a common Kubernetes service CIDR), whose
// sixteen /16 reverse zones the block answers, queried with dig over a real socket.

import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dig } from '../support/dig.js';
import { makeHarness, type Harness } from '../support/harness.js';

const OBJECTS = fileURLToPath(new URL('../../config/objects.yaml', import.meta.url));
const SERVICE1 = 'service1.provider-ns.svc.clusterset.local.';

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function serve(corefile: string): Promise<number> {
  h = makeHarness({ corefile });
  return await h.serve();
}

describe('Corefile forms CoreDNS accepts, answered over a real socket', () => {
  it('serves a single block written without braces', async () => {
    const port = await serve(`clusterset.local\nmulticluster {\n  objects ${OBJECTS}\n}\n`);
    const r = await dig(port, [SERVICE1, 'A']);
    expect([r.status, r.answer]).toEqual(['NOERROR', [`${SERVICE1} 5 IN A 10.96.120.15`]]);
    // A name outside the block's zone is not served.
    expect((await dig(port, ['example.org.', 'A'])).status).toBe('REFUSED');
  });

  it('answers every reverse zone a CIDR key off an octet boundary covers, and only those', async () => {
    const port = await serve(`clusterset.local 10.96.0.0/12 {\n  multicluster {\n    objects ${OBJECTS}\n  }\n}\n`);
    const cases = [
      // 10.96.120.15 is service1's ClusterSetIP: in 96.10.in-addr.arpa, the first /16.
      { args: ['-x', '10.96.120.15'], status: 'NOERROR', answer: [`15.120.96.10.in-addr.arpa. 5 IN PTR ${SERVICE1}`] },
      // 10.111.x is in the last /16 of 10.96.0.0/12: the block answers, authoritatively, that it is not there.
      { args: ['-x', '10.111.0.1'], status: 'NXDOMAIN', answer: [] },
      // 10.112.x and 10.95.x lie outside the /12: no block serves them.
      { args: ['-x', '10.112.0.1'], status: 'REFUSED', answer: [] },
      { args: ['-x', '10.95.255.255'], status: 'REFUSED', answer: [] },
    ];
    for (const c of cases) {
      const r = await dig(port, c.args);
      expect([c.args[1], r.status, r.answer]).toEqual([c.args[1], c.status, c.answer]);
    }
    expect((await dig(port, ['-x', '10.111.0.1'])).flags).toContain('aa');
  });
});

