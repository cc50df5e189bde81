// Round-robin on the wire: which messages may be permuted (every A/AAAA owner a 2-byte pointer)
// and which must come back untouched, and that a permuted message still decodes to the same
// records with every other byte where it was.

import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { Rcode } from '../../src/dns/constants.js';
import { rcodeReply, wireReply } from '../../src/dns/reply.js';
import { walkMessage } from '../../src/dns/wire/layout.js';
import { LoadbalancePlugin } from '../../src/plugins/loadbalance/loadbalance-plugin.js';
import { loadbalanceFactory } from '../../src/plugins/loadbalance/setup.js';
import { directive, setupContext, testRuntime } from './ops-harness.js';

const QNAME = 'web.ns.svc.clusterset.local.';
const PTR_Q = [0xc0, 12]; // the question name

function labels(name: string): number[] {
  const out: number[] = [];
  for (const l of name.split('.').filter((x) => x !== '')) out.push(l.length, ...Buffer.from(l));
  return [...out, 0];
}

function rr(owner: number[], type: number, rdata: number[]): number[] {
  return [...owner, type >> 8, type & 0xff, 0, 1, 0, 0, 0, 5, rdata.length >> 8, rdata.length & 0xff, ...rdata];
}

const A = (owner: number[], last: number) => rr(owner, 1, [10, 0, 0, last]);
const AAAA = (owner: number[], last: number) => rr(owner, 28, [0xfd, 0, ...Array<number>(13).fill(0), last]);

/** A response: header, question QNAME/A, then the given sections (each a list of records). */
function message(answers: number[][], additional: number[][] = []): Uint8Array {
  const header = [0, 0, 0x84, 0, 0, 1, 0, answers.length, 0, 0, 0, additional.length];
  return Uint8Array.from([...header, ...labels(QNAME), 0, 1, 0, 1, ...answers.flat(), ...additional.flat()]);
}

const Q_END = 12 + labels(QNAME).length + 4;
const TARGET_OFFSET = Q_END + 12; // rdata of a first CNAME record whose owner is PTR_Q

const cases: { what: string; answers: number[][]; additional?: number[][]; shuffles: boolean }[] = [
  { what: 'three A, pointer owners', answers: [A(PTR_Q, 1), A(PTR_Q, 2), A(PTR_Q, 3)], shuffles: true },
  { what: 'A and AAAA mixed, pointer owners', answers: [A(PTR_Q, 1), AAAA(PTR_Q, 1), A(PTR_Q, 2), AAAA(PTR_Q, 2)], shuffles: true },
  {
    what: 'CNAME then A owned by pointers into the CNAME target',
    answers: [rr(PTR_Q, 5, labels('target.example.')), A([0xc0, TARGET_OFFSET], 1), A([0xc0, TARGET_OFFSET], 2)],
    shuffles: true,
  },
  { what: 'one A', answers: [A(PTR_Q, 1)], shuffles: false },
  {
    what: 'first A spelled out, later ones point at it',
    answers: [A(labels(QNAME), 1), A([0xc0, Q_END], 2), A([0xc0, Q_END], 3)],
    shuffles: false,
  },
  { what: 'A records spelled out', answers: [A(labels(QNAME), 1), A(labels(QNAME), 2)], shuffles: false },
  { what: 'only additional A records', answers: [rr(PTR_Q, 16, [3, 0x61, 0x62, 0x63])], additional: [A(PTR_Q, 1), A(PTR_Q, 2)], shuffles: false },
];

/** Reverses: Fisher-Yates with j = 0 at each step, never the identity for n >= 2. */
const alwaysZero = () => 0;

function decodedAnswers(wire: Uint8Array): string[] {
  return (dnsPacket.decode(Buffer.from(wire)).answers ?? []).map((r) => `${r.name} ${r.type} ${JSON.stringify((r as { data?: unknown }).data)}`);
}

describe('loadbalance permutation safety', () => {
  it.each(cases)('$what: shuffled=$shuffles', ({ answers, additional, shuffles }) => {
    const wire = message(answers, additional);
    const original = Uint8Array.from(wire);
    const reply = wireReply(Rcode.NOERROR, 0x0400, wire, 'multicluster');
    const out = new LoadbalancePlugin(alwaysZero).balance(reply);
    expect(wire).toEqual(original); // the input (maybe a shared pre-encoded answer) is never written
    if (!shuffles) {
      expect(out).toBe(reply);
      return;
    }
    expect(out).not.toBe(reply);
    const moved = out.wire!;
    expect(moved.length).toBe(wire.length);
    // Same records (as a set), a different order of addresses, and non-address bytes unchanged.
    expect(decodedAnswers(moved).sort()).toEqual(decodedAnswers(wire).sort());
    expect(decodedAnswers(moved)).not.toEqual(decodedAnswers(wire));
    expect(walkMessage(moved)).toEqual(walkMessage(wire));
    const layout = walkMessage(wire);
    for (let i = 0; i < layout.counts[0]; i++) {
      const s = layout.records[i * 2]!;
      expect(moved.subarray(s, s + 4), `record ${i} owner and type`).toEqual(wire.subarray(s, s + 4));
    }
    expect(moved.subarray(0, Q_END)).toEqual(wire.subarray(0, Q_END));
  });

  it('spreads the first address over all backends with a real random source (bounded)', () => {
    const reply = wireReply(Rcode.NOERROR, 0x0400, message([A(PTR_Q, 1), A(PTR_Q, 2), A(PTR_Q, 3)]), 'multicluster');
    const plugin = new LoadbalancePlugin();
    const firsts = new Set<string>();
    for (let i = 0; i < 300 && firsts.size < 3; i++) firsts.add(decodedAnswers(plugin.balance(reply).wire!)[0]!);
    expect(firsts.size).toBe(3);
  });

  it('passes rcode-only replies and async replies through the chain', async () => {
    const plugin = new LoadbalancePlugin(alwaysZero);
    const servfail = rcodeReply(Rcode.SERVFAIL, 'forward');
    const req = {} as Parameters<typeof plugin.serve>[0];
    expect(plugin.serve(req, () => servfail)).toBe(servfail);
    const multi = wireReply(Rcode.NOERROR, 0, message([A(PTR_Q, 1), A(PTR_Q, 2)]), 'forward');
    const out = await plugin.serve(req, async () => multi);
    expect(decodedAnswers(out.wire!)).toEqual(decodedAnswers(multi.wire!).reverse());
  });

  it.each([
    { config: 'loadbalance', ok: true },
    { config: 'loadbalance round_robin', ok: true },
    { config: 'loadbalance weighted /etc/weights', err: 'expected at most 1 argument' },
    { config: 'loadbalance weighted', err: "unsupported policy 'weighted'" },
    { config: 'loadbalance {\n prefer 10.0.0.0/8\n}', err: "unknown option 'prefer'" },
  ])('setup $config', ({ config, ok, err }) => {
    const ctx = setupContext(testRuntime().runtime);
    if (ok) expect(loadbalanceFactory.setup(directive(config), ctx)?.name).toBe('loadbalance');
    else expect(() => loadbalanceFactory.setup(directive(config), ctx)).toThrow(err);
  });
});
