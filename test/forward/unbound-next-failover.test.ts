// `failover` and `next` against real resolvers: Debian `unbound`s on loopback, one that refuses
// `example.test` and one that serves `example.test`, or one that says NXDOMAIN for a
// name the other has. The server runs from a Corefile on a real socket and dig asks it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../support/dig.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { startUnbound, unboundAvailable, type Unbound } from './unbound-process.js';

describe.skipIf(!unboundAvailable())('forward failover and next with real unbound upstreams', () => {
  let refusing: Unbound;
  let empty: Unbound;
  let serving: Unbound;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    [refusing, empty, serving] = await Promise.all([
      // Refuses example.test (unbound would otherwise answer the reserved test. zone itself).
      startUnbound({ localZones: ['"example.test." refuse'], localData: [] }),
      // Knows example.test but not www in it: NXDOMAIN.
      startUnbound({
        localZones: ['"example.test." static'],
        localData: ['example.test. 300 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60'],
      }),
      startUnbound({
        localZones: ['"example.test." static'],
        localData: [
          'example.test. 300 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60',
          'www.example.test. 300 IN A 192.0.2.90',
        ],
      }),
    ]);
  });

  afterAll(async () => {
    for (const h of harnesses) await h.stop();
    await Promise.all([refusing?.stop(), empty?.stop(), serving?.stop()]);
  });

  async function serve(corefile: string): Promise<number> {
    const h = makeHarness({ corefile });
    harnesses.push(h);
    return await h.serve();
  }

  it('failover REFUSED: the refusing unbound is asked first, the answering one answers', async () => {
    const port = await serve(`. {\n  forward . ${refusing.address} ${serving.address} {\n    policy sequential\n    failover SERVFAIL REFUSED\n  }\n}\n`);
    const r = await dig(port, ['www.example.test', 'A']);
    expect([r.status, r.answer]).toEqual(['NOERROR', ['www.example.test. 300 IN A 192.0.2.90']]);
  });

  it('without failover the refusal from the first unbound is the answer', async () => {
    const port = await serve(`. {\n  forward . ${refusing.address} ${serving.address} {\n    policy sequential\n  }\n}\n`);
    expect((await dig(port, ['www.example.test', 'A'])).status).toBe('REFUSED');
  });

  it('next NXDOMAIN: the second forward answers what the first unbound does not know', async () => {
    const port = await serve(`. {\n  forward . ${empty.address} {\n    next NXDOMAIN\n  }\n  forward . ${serving.address}\n}\n`);
    const r = await dig(port, ['www.example.test', 'A']);
    expect([r.status, r.answer]).toEqual(['NOERROR', ['www.example.test. 300 IN A 192.0.2.90']]);
    // A name neither knows: the second forward's NXDOMAIN stands.
    expect((await dig(port, ['nope.example.test', 'A'])).status).toBe('NXDOMAIN');
  });

  it('without next the first unbound\'s NXDOMAIN is the answer', async () => {
    const port = await serve(`. {\n  forward . ${empty.address}\n  forward . ${serving.address}\n}\n`);
    expect((await dig(port, ['www.example.test', 'A'])).status).toBe('NXDOMAIN');
  });
});
