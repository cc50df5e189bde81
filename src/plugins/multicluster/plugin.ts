// The multicluster plugin: routes a question to the longest of its zones, answers from the
// current ZoneState (a service's encoded answers first, then pure synthesis), and applies the rcode rules
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

/** How often start() looks at the source's synced() while waiting for the first sync. */
const SYNC_POLL_MS = 20;

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
      localCluster: this.#localCluster(snap),
    });
    this.#view = view;
    return new ZoneState(view, this.#settings, (this.#serialBase + view.version) >>> 0, this.#encoded);
  }

  /** The local cluster id for this snapshot: given in the Corefile, read by the source, or none. */
  #localCluster(snap: ObjectSnapshot): string | null {
    const option = this.options.localCluster;
    if (option === null) return null;
    return option.kind === 'given' ? option.id : snap.localCluster;
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
    await this.#waitForSync();
    // The subscription has built the state of every snapshot published since; building it again
    // from the same snapshot would rebuild (and re-encode) every service its `changed` names.
    const snap = this.source.current();
    if (snap.version !== this.#state.view.version) this.#state = this.#newState(snap);
  }

  /**
   * Waits up to startup_timeout for the first full sync, then lets the server go on (until the
   * sync, would-be NXDOMAIN answers are SERVFAIL). ObjectSource has no sync event, so this polls.
   */
  async #waitForSync(): Promise<void> {
    const deadline = Date.now() + this.options.startupTimeoutMs;
    while (!this.source.synced() && !this.#stopped) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.logger.warn(
          { startupTimeoutMs: this.options.startupTimeoutMs },
          'object caches not synced within startup_timeout; serving anyway (SERVFAIL for names not known yet)',
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(SYNC_POLL_MS, left)));
    }
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
    const memo = state.memoGet(lname, type);
    if (memo !== undefined) return memo;
    const pre = state.serviceAnswer(zone, lname, type);
    if (pre !== undefined) {
      state.memoPut(lname, type, pre);
      return pre;
    }
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
