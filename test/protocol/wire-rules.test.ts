// protocol.md's header, question, EDNS and truncation rules, through the real packet handler.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../support/dns-format.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { headlessImportYaml } from '../support/objects-yaml.js';
import { opt, question, rawPacket } from '../support/raw-packets.js';

const fixture = readFileSync(new URL('../fixtures/behaviour.yaml', import.meta.url), 'utf8');
const WEB = 'web.apps.svc.clusterset.local';

/** A headless import with `n` ready endpoints, for answers that do not fit. */
function bigHeadless(n: number): string {
  const eps = Array.from({ length: n }, (_, i) => ({ ip: `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}`, hostname: `pod-${i}` }));
  return headlessImportYaml('big', eps, { ports: '[{name: http, port: 80}]' });
}

describe('wire rules', () => {
  let h: Harness;
  beforeAll(async () => {
    h = makeHarness({
      corefile: 'clusterset.local {\n  multicluster {\n    objects objects.yaml\n  }\n}\nsmall.local {\n  bufsize 512\n  multicluster small.local {\n    objects objects.yaml\n  }\n}\n',
      files: { 'objects.yaml': `${fixture}\n---\n${bigHeadless(120)}` },
    });
    await h.start();
  });
  afterAll(async () => h.stop());

  const ask = async (p: Buffer, proto: 'udp' | 'tcp' = 'udp') => {
    const out = await h.raw(p, proto);
    expect(out).not.toBeNull();
    return { bytes: out!, d: decode(out!) };
  };

  it('drops packets shorter than a header, and responses (QR=1)', async () => {
    expect(await h.raw(Buffer.alloc(0))).toBeNull();
    expect(await h.raw(Buffer.alloc(11))).toBeNull();
    expect(await h.raw(rawPacket({ flags: 0x8100, body: question(WEB) }))).toBeNull();
    const count = await h.runtime.metrics.getSingleMetric('clusterset_dns_dropped_packets_total')!.get();
    expect(count.values.find((v) => v.labels['reason'] === 'response')?.value).toBeGreaterThan(0);
  });

  it('answers NOTIMP to opcodes other than QUERY, copying ID, opcode, RD and the question', async () => {
    const { d, bytes } = await ask(rawPacket({ id: 777, flags: (2 << 11) | 0x0100, body: question(WEB) }));
    expect(d.rcode).toBe('NOTIMP');
    expect(d.id).toBe(777);
    expect((bytes[2]! >> 3) & 0xf).toBe(2);
    expect(d.flags.rd).toBe(true);
    expect(d.question).toEqual([`${WEB}. A`]);
  });

  it.each([
    ['QDCOUNT 0', rawPacket({ counts: [0, 0, 0, 0], body: [] })],
    ['QDCOUNT 2', rawPacket({ counts: [2, 0, 0, 0], body: [...question(WEB), ...question(WEB)] })],
    ['a pointer in the question', rawPacket({ body: [0xc0, 0x0c, 0, 1, 0, 1] })],
    ['a truncated question', rawPacket({ body: question(WEB).slice(0, 10) })],
    ['a label longer than 63', rawPacket({ body: [64, ...Buffer.alloc(64, 97), 0, 0, 1, 0, 1] })],
    ['ARCOUNT that lies', rawPacket({ counts: [1, 0, 0, 3], body: [...question(WEB), ...opt()] })],
    ['two OPT records', rawPacket({ counts: [1, 0, 0, 2], body: [...question(WEB), ...opt(), ...opt()] })],
    ['a compression loop in an additional record', rawPacket({ counts: [1, 0, 0, 1], body: [...question(WEB), 0xc0, 0x2e, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0] })],
  ])('answers FORMERR to %s', async (_name, p) => {
    const { d } = await ask(p);
    expect(d.rcode).toBe('FORMERR');
    expect(d.id).toBe(0x1234);
  });

  it('answers BADVERS with an OPT record to EDNS versions above 0', async () => {
    const { d, bytes } = await ask(rawPacket({ counts: [1, 0, 0, 1], body: [...question(WEB), ...opt(1232, 1)] }));
    expect(d.opt).not.toBeNull();
    expect(bytes[3]! & 0xf).toBe(0); // BADVERS = 16: low bits 0 in the header ...
    expect(d.opt!.extendedRcode).toBe(1); // ... high bits 1 in the OPT
    expect(d.answer).toEqual([]);
  });

  it('answers REFUSED to classes other than IN, names outside every zone, and zone transfers', async () => {
    expect((await ask(rawPacket({ body: question(WEB, 1, 3) }))).d.rcode).toBe('REFUSED');
    expect((await ask(rawPacket({ body: question('example.com') }))).d.rcode).toBe('REFUSED');
    expect((await ask(rawPacket({ body: question('clusterset.local', 252) }), 'tcp')).d.rcode).toBe('REFUSED');
    expect((await ask(rawPacket({ body: question('clusterset.local', 251) }))).d.rcode).toBe('REFUSED');
  });

  it('echoes OPT with our payload size and the DO bit, and never echoes unknown options', async () => {
    const withOption = opt(4096, 0, true, [0xfd, 0xe9, 0, 4, 1, 2, 3, 4]);
    const { d, bytes } = await ask(rawPacket({ counts: [1, 0, 0, 1], body: [...question(WEB), ...withOption] }));
    expect(d.rcode).toBe('NOERROR');
    expect(d.opt!.udpPayloadSize).toBe(1232);
    expect(d.opt!.flags & 0x8000).toBe(0x8000);
    // OPT is the last 11 bytes, with RDLENGTH 0.
    expect([...bytes.subarray(bytes.length - 11)]).toEqual([0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0]);
    const plain = await ask(rawPacket({ body: question(WEB) }));
    expect(plain.d.opt).toBeNull();
  });

  it('copies RD and CD, sets QR and AA, and never copies flags it does not understand', async () => {
    const { d, bytes } = await ask(rawPacket({ flags: 0x0100 | 0x0040 | 0x0010 | 0x0020, body: question(WEB) }));
    expect(d.flags.qr && d.flags.aa && d.flags.rd).toBe(true);
    expect(bytes[3]! & 0x0040).toBe(0); // Z
    expect(bytes[3]! & 0x0020).toBe(0); // AD
    expect(bytes[3]! & 0x0010).toBe(0x10); // CD
    expect(d.flags.ra).toBe(false);
  });

  it('truncates at 512 without EDNS, with TC and whole records only', async () => {
    const { d, bytes } = await ask(rawPacket({ body: question('big.apps.svc.clusterset.local') }));
    expect(bytes.length).toBeLessThanOrEqual(512);
    expect(d.flags.tc).toBe(true);
    expect(d.answer.length).toBeGreaterThan(0);
    expect(d.answer.length).toBeLessThan(120);
  });

  it('truncates within the client EDNS size, our bufsize, and 512 for sizes below 512', async () => {
    const big = (size: number) => rawPacket({ counts: [1, 0, 0, 1], body: [...question('big.apps.svc.clusterset.local'), ...opt(size)] });
    const r4096 = await ask(big(4096));
    expect(r4096.bytes.length).toBeLessThanOrEqual(1232);
    expect(r4096.bytes.length).toBeGreaterThan(1000);
    expect(r4096.d.flags.tc).toBe(true);
    const r800 = await ask(big(800));
    expect(r800.bytes.length).toBeLessThanOrEqual(800);
    const r100 = await ask(big(100));
    expect(r100.bytes.length).toBeLessThanOrEqual(512);
    expect(r100.bytes.length).toBeGreaterThan(400);
    const small = await ask(rawPacket({ counts: [1, 0, 0, 1], body: [...question('big.apps.svc.small.local'), ...opt(4096)] }));
    expect(small.bytes.length).toBeLessThanOrEqual(512); // bufsize 512 in that block
    expect(small.d.opt!.udpPayloadSize).toBe(512);
  });

  it('sends the full answer over TCP', async () => {
    const { d } = await ask(rawPacket({ body: question('big.apps.svc.clusterset.local') }), 'tcp');
    expect(d.flags.tc).toBe(false);
    expect(d.answer).toHaveLength(120);
  });

  it('drops only Additional records without setting TC', async () => {
    // 120 SRV records do not fit in 512; _http._tcp of a 3-endpoint service does, its additionals not all.
    const { d } = await ask(rawPacket({ body: question('_http._tcp.big.apps.svc.clusterset.local', 33) }), 'udp');
    expect(d.flags.tc).toBe(true);
    const srv = await ask(rawPacket({ counts: [1, 0, 0, 1], body: [...question('db.apps.svc.clusterset.local', 33), ...opt(512)] }));
    expect(srv.d.flags.tc).toBe(false);
    expect(srv.d.answer).toHaveLength(2);
    expect(srv.d.additional.length).toBeLessThanOrEqual(3);
  });
});
