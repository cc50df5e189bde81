// The multicluster plugin: routes a question to the longest of its zones, answers from the
// current ZoneState (pre-encoded answers first, then pure synthesis), and applies the rcode rules
// of dns-behaviour.md: SERVFAIL instead of NXDOMAIN before the first sync, fallthrough on NXDOMAIN.

import type { Logger } from 'pino';
import { Rcode } from '../../dns/constants.js';
import { rcodeReply, type Reply } from '../../dns/reply.js';
import type { Request } from '../../dns/request.js';
import type { ObjectSnapshot, ObjectSource } from '../../sources/model.js';
import type { Handler, Plugin } from '../plugin.js';
import { synthesize } from './synthesize.js';
import { buildZoneView, type ServiceView, type ZoneView } from './zone-view.js';
import { ZoneState, type ZoneSettings } from './zone-state.js';
import type { MulticlusterOptions } from './options.js';
import { inZone, longestZone } from '../../dns/zones.js';

export class MulticlusterPlugin implements Plugin {
  readonly name = 'multicluster';
  #state: ZoneState;
  #view: ZoneView | null = null;
  readonly #encoded = new WeakMap<ServiceView, ReadonlyMap<string, Map<number, Reply>>>();
  readonly #settings: ZoneSettings;
  readonly #serialBase: number;
  #unsubscribe: (() => void) | null = null;
  #stopped = false;

  constructor(
    readonly options: MulticlusterOptions,
    private readonly source: ObjectSource,
    private readonly logger: Logger,
    nowMs: number,
  ) {
    this.#settings = Object.freeze({
      ttl: options.ttl,
      zones: options.zones,
      firstForwardZone: options.firstForwardZone,
    });
    this.#serialBase = Math.floor(nowMs / 1000);
    this.#state = this.#newState(this.source.current());
  }

  #newState(snap: ObjectSnapshot): ZoneState {
    const view = buildZoneView(this.#view, snap, {
      noEndpoints: this.options.noEndpoints,
      reverse: this.options.zones.some((z) => z.endsWith('.arpa.')),
    });
    this.#view = view;
    const state = new ZoneState(view, this.#settings, (this.#serialBase + view.version) >>> 0, this.#encoded);
    state.encodeServices(snap.changed);
    return state;
  }

  /** The current state; tests and the benchmark read it. */
  get state(): ZoneState {
    return this.#state;
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.source.subscribe((snap) => {
      try {
        this.#state = this.#newState(snap);
      } catch (err) {
        this.logger.error({ err, plugin: this.name }, 'building the zone from a new snapshot failed; keeping the previous one');
      }
    });
    await this.source.start();
    this.#state = this.#newState(this.source.current());
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe?.();
    await this.source.stop();
  }

  ready(): boolean {
    return this.source.synced();
  }

  serve(req: Request, next: Handler): Reply | Promise<Reply> {
    const { lname, type } = req.question;
    const zone = longestZone(this.options.zones, lname);
    if (zone === null) return next(req);
    const state = this.#state;
    const pre = state.serviceAnswer(zone, lname, type) ?? state.memoGet(lname, type);
    if (pre !== undefined) return pre;
    const syn = synthesize(state.view, state.params, zone, lname, type);
    switch (syn.kind) {
      case 'answer': {
        const reply = state.encode(lname, type, syn);
        state.memoPut(lname, type, reply);
        return reply;
      }
      case 'nodata': {
        const reply = state.nodata(zone);
        state.memoPut(lname, type, reply);
        return reply;
      }
      case 'nxdomain': {
        if (!this.source.synced()) return rcodeReply(Rcode.SERVFAIL, this.name);
        if (this.options.fallthrough !== null && (this.options.fallthrough.length === 0 || this.options.fallthrough.some((z) => inZone(lname, z)))) {
          return next(req);
        }
        // Remembered for this snapshot only: the next snapshot starts with an empty memo.
        const reply = state.nxdomain(zone);
        state.memoPut(lname, type, reply);
        return reply;
      }
    }
  }
}
