// The record a logged query leaves for the query-log worker (src/plugins/log/record-ring.ts) must
// give back exactly the entry the main thread would have made (fillLogEntry is the oracle), for
// every kind of query and answer; and the ring must wrap, fill and refuse as it says.

import { describe, expect, it } from 'vitest';
import { Flag } from '../../src/dns/constants.js';
import { readQuery } from '../../src/dns/query-reader.js';
import { rcodeReply, type Reply } from '../../src/dns/reply.js';
import type { Request } from '../../src/dns/request.js';
import { requestFromQuery } from '../../src/dns/request-from-query.js';
import { emptyLogEntry, fillLogEntry } from '../../src/plugins/log/entry.js';
import { HEAD, ringMemory, RingReader, RingWriter, SLOTS, TAIL } from '../../src/plugins/log/record-ring.js';
import { a, replyWith, request } from './ops-harness.js';
import { opt, question, rawPacket } from '../support/raw-packets.js';

const NAME = 'service1.provider-ns.svc.clusterset.local';

/** A request from hand-made bytes (names dns-packet will not encode). */
function rawRequest(body: number[], opts: { flags?: number; ar?: number; proto?: 'udp' | 'tcp'; remote?: string } = {}): Request {
  const raw = rawPacket({ flags: opts.flags ?? 0x0100, counts: [1, 0, 0, opts.ar ?? 0], body });
  const r = readQuery(raw);
  if (r.kind !== 'query') throw new Error(`not a query: ${r.kind}`);
  return requestFromQuery(r, raw, { proto: opts.proto ?? 'udp', family: 4, remoteAddress: opts.remote ?? '10.0.0.1', remotePort: 53000 }, { server: 'dns://:53', zone: '.' });
}

const longName = [63, 63, 63, 61].map((n, i) => String.fromCharCode(97 + i).repeat(n)).join('.'); // 255 bytes on the wire
const oddLabel = [5, 0x00, 0x2e, 0x5c, 0xff, 0x41, 3, 0x63, 0x6f, 0x6d, 0];

const cases: { what: string; req: Request; reply: Reply; ns?: number }[] = [
  { what: 'a plain A over UDP', req: request(NAME, 'A'), reply: replyWith(NAME, 'A', { answers: [a(NAME, '10.96.0.1')] }) },
  { what: 'EDNS with DO, AAAA, NODATA', req: request(NAME, 'AAAA', { edns: { udpSize: 4096, do: true } }), reply: replyWith(NAME, 'AAAA', {}) },
  { what: 'EDNS below 512', req: request(NAME, 'A', { edns: { udpSize: 100 } }), reply: rcodeReply(3, 'multicluster', Flag.AA) },
  { what: 'TCP from IPv6', req: request(NAME, 'SRV', { proto: 'tcp', family: 6, remote: '2001:db8::1' }), reply: rcodeReply(2, 'forward') },
  { what: 'RD off, RA and AD on', req: request(NAME, 'TXT', { rd: false }), reply: rcodeReply(0, 'forward', Flag.RA | Flag.AD) },
  { what: 'CD set', req: rawRequest(question('version.bind', 16), { flags: 0x0110 }), reply: rcodeReply(5, 'x') },
  { what: 'an upper-case name (logged lower-cased)', req: request('Service1.Provider-NS.svc.CLUSTERSET.local', 'A'), reply: rcodeReply(3, 'multicluster') },
  { what: 'a 255-byte name', req: rawRequest(question(longName, 1)), reply: rcodeReply(3, 'multicluster') },
  { what: 'bytes that need escapes in the name', req: rawRequest([...oddLabel, 0, 1, 0, 1]), reply: rcodeReply(3, 'multicluster') },
  { what: 'the root, type 65280', req: rawRequest([0, 0xff, 0, 0, 1]), reply: rcodeReply(4, 'x') },
  { what: 'an extended rcode (BADCOOKIE)', req: rawRequest([...question(NAME, 1), ...opt(1232)], { ar: 1 }), reply: rcodeReply(23, 'x') },
  { what: 'an address longer than 64 characters is cut', req: request(NAME, 'A', { remote: `fe80::1%${'x'.repeat(70)}` }), reply: rcodeReply(0, 'x') },
  { what: 'a long duration', req: request(NAME, 'A'), reply: rcodeReply(0, 'x'), ns: 7_123_456_789 },
];

describe('query-log record ring', () => {
  it.each(cases)('$what: the worker reads back the entry the main thread makes', ({ req, reply, ns = 123_456 }) => {
    const memory = ringMemory();
    const writer = new RingWriter(memory);
    const reader = new RingReader(memory);
    expect(writer.put(req, reply, ns, 3, 1_790_000_000_123)).toBe(true);
    const got = emptyLogEntry();
    expect(reader.read(0, got)).toBe(3);
    expect(reader.timeOf(0)).toBe(1_790_000_000_123);
    const want = emptyLogEntry();
    fillLogEntry(want, req, reply, ns);
    if (req.remoteAddress.length > 64) want.remote = req.remoteAddress.slice(0, 64);
    expect(got).toEqual(want);
  });

  it('holds SLOTS records, refuses the next, and takes more as the tail moves', () => {
    const memory = ringMemory();
    const writer = new RingWriter(memory);
    const req = request(NAME, 'A');
    const reply = rcodeReply(0, 'x');
    for (let i = 0; i < SLOTS; i++) expect(writer.put(req, reply, i, 0, i)).toBe(true);
    expect(writer.put(req, reply, 0, 0, 0)).toBe(false);
    expect(writer.backlog).toBe(SLOTS);
    Atomics.store(writer.control, TAIL, 10);
    for (let i = 0; i < 10; i++) expect(writer.put(req, reply, SLOTS + i, 0, 0)).toBe(true);
    expect(writer.put(req, reply, 0, 0, 0)).toBe(false);
    // Slot 0 now holds record SLOTS.
    const e = emptyLogEntry();
    new RingReader(memory).read(SLOTS, e);
    expect(e.durationNs).toBe(SLOTS);
  });

  it('counts across the int32 wrap', () => {
    const memory = ringMemory();
    const control = new Int32Array(memory.control);
    Atomics.store(control, HEAD, 0x7fffffff - 2);
    Atomics.store(control, TAIL, 0x7fffffff - 2);
    const writer = new RingWriter(memory);
    const reader = new RingReader(memory);
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) expect(writer.put(request(NAME, 'A', { id: 100 + i }), rcodeReply(0, 'x'), 0, 0, 0)).toBe(true);
    expect(writer.backlog).toBe(6);
    let at = Atomics.load(control, TAIL);
    const e = emptyLogEntry();
    while (at !== Atomics.load(control, HEAD)) {
      reader.read(at, e);
      ids.push(e.id);
      at = (at + 1) | 0;
    }
    expect(ids).toEqual([100, 101, 102, 103, 104, 105]);
    expect(Atomics.load(control, HEAD)).toBe(-0x80000000 + 3);
  });
});
