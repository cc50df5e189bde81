// Everything the handler needs for one snapshot: the view, its SOA serial, the negative-answer
// templates per zone, and encoded answers. A service's own names (A, AAAA, SRV, _port._proto SRV)
// are encoded together on the first question for any of them and reused (by the ServiceView's
// identity) across snapshots while the service does not change; the rest (per-pod names, apex,
// dns-version, PTR, negative answers) is encoded on first use and kept for the life of the
// snapshot. Nothing is encoded ahead of questions, so a snapshot per API event costs little: at
// 10k services the answers of every service were a quarter of the heap (a few hundred bytes of
// typed arrays each), for names most of which are never asked; encoding one service's names
// costs tens of microseconds once.

import { Flag, QType, Rcode } from '../../dns/constants.js';
import { wireReply, type Reply } from '../../dns/reply.js';
import { MessageBuilder } from '../../dns/wire/message-builder.js';
import type { ServiceKey } from '../../sources/model.js';
import { isReverseZone, soaRecord, synthesize, type Synthesis, type ZoneParams } from './synthesize.js';
import type { ServiceView, ZoneView } from './zone-view.js';

const PLUGIN = 'multicluster';
const MEMO_LIMIT = 10_000;

type TypeAnswers = Map<number, Reply>;
/** lname -> qtype -> reply, for the names under one service, in every zone of the plugin. */
type ServiceAnswers = ReadonlyMap<string, TypeAnswers>;

export interface ZoneSettings {
  readonly ttl: number;
  readonly zones: readonly string[];
  readonly firstForwardZone: string;
}

export class ZoneState {
  readonly params: ZoneParams;
  /** Per zone, the NXDOMAIN and NODATA replies (they carry this snapshot's SOA); made on first use. */
  readonly #negative = new Map<string, { readonly nx: Reply; readonly nodata: Reply }>();
  readonly #memo = new Map<string, TypeAnswers>();

  constructor(
    readonly view: ZoneView,
    readonly settings: ZoneSettings,
    serial: number,
    /** Encoded answers of services, shared between states while the ServiceView is unchanged. */
    readonly encoded: WeakMap<ServiceView, ServiceAnswers>,
  ) {
    this.params = Object.freeze({ ttl: settings.ttl, firstForwardZone: settings.firstForwardZone, serial });
  }

  #negativeFor(zone: string): { readonly nx: Reply; readonly nodata: Reply } {
    let replies = this.#negative.get(zone);
    if (replies === undefined) {
      const soa = new MessageBuilder({ compress: false }).add(1, soaRecord(zone, this.params)).finish();
      replies = {
        nx: wireReply(Rcode.NXDOMAIN, Flag.AA, soa.wire, PLUGIN, soa.layout),
        nodata: wireReply(Rcode.NOERROR, Flag.AA, soa.wire, PLUGIN, soa.layout),
      };
      this.#negative.set(zone, replies);
    }
    return replies;
  }

  #encodeService(sv: ServiceView): ServiceAnswers {
    const out = new Map<string, TypeAnswers>();
    const put = (lname: string, zone: string, types: readonly number[]): void => {
      for (const t of types) {
        const syn = synthesize(this.view, this.params, zone, lname, t);
        if (syn.kind !== 'answer') continue;
        let m = out.get(lname);
        if (!m) out.set(lname, (m = new Map()));
        m.set(t, this.encode(lname, t, syn));
      }
    };
    for (const zone of this.settings.zones) {
      if (isReverseZone(zone)) continue;
      const base = `${sv.imp.name}.${sv.imp.namespace}.svc.${zone}`;
      put(base, zone, [QType.A, QType.AAAA, QType.SRV]);
      const ports = sv.imp.type === 'ClusterSetIP' ? sv.imp.ports : sv.endpoints.flatMap((e) => e.ports);
      for (const p of ports) if (p.name !== '') put(`_${p.name.toLowerCase()}._${p.protocol.toLowerCase()}.${base}`, zone, [QType.SRV]);
    }
    return out;
  }

  /** Encodes a positive synthesis for a question of this name (its case is patched in later). */
  encode(lname: string, qtype: number, syn: Synthesis & { kind: 'answer' }): Reply {
    const b = new MessageBuilder().question(lname, qtype).addAll(0, syn.answer).addAll(2, syn.additional);
    const { wire, layout } = b.finish();
    return wireReply(Rcode.NOERROR, Flag.AA, wire, PLUGIN, layout);
  }

  /** The encoded answer for (lname, qtype) under a service (encoding its names if not yet), if one exists. */
  serviceAnswer(zone: string, lname: string, qtype: number): Reply | undefined {
    const rel = zone === '.' ? lname.length - 1 : lname.length - zone.length - 1;
    const e1 = lname.lastIndexOf('.', rel - 1);
    if (e1 < 0) return undefined;
    const last = lname.slice(e1 + 1, rel);
    if (last !== 'svc' && last !== 'pod') return undefined;
    const e2 = lname.lastIndexOf('.', e1 - 1);
    if (e2 < 0) return undefined;
    const e3 = lname.lastIndexOf('.', e2 - 1);
    const sv = this.view.services.get(`${lname.slice(e2 + 1, e1)}/${lname.slice(e3 + 1, e2)}`);
    // A name under a namespace that does not exist is NXDOMAIN, even while an import of it is still
    // known (its deletion may arrive after the namespace's): synthesis answers that.
    if (sv === undefined || !this.view.namespaces.has(sv.imp.namespace)) return undefined;
    const key = last === 'svc' ? lname : `${lname.slice(0, e1 + 1)}svc.${zone}`;
    let answers = this.encoded.get(sv);
    if (answers === undefined) {
      answers = this.#encodeService(sv);
      this.encoded.set(sv, answers);
    }
    return answers.get(key)?.get(qtype);
  }

  memoGet(lname: string, qtype: number): Reply | undefined {
    return this.#memo.get(lname)?.get(qtype);
  }

  memoPut(lname: string, qtype: number, reply: Reply): void {
    let m = this.#memo.get(lname);
    if (!m) {
      if (this.#memo.size >= MEMO_LIMIT) return;
      this.#memo.set(lname, (m = new Map()));
    }
    m.set(qtype, reply);
  }

  nxdomain(zone: string): Reply {
    return this.#negativeFor(zone).nx;
  }

  nodata(zone: string): Reply {
    return this.#negativeFor(zone).nodata;
  }
}
