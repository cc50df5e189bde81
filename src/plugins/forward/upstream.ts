// One upstream resolver (CoreDNS's proxy.Proxy): how to reach it (UDP over rotating sockets with a
// TCP retry on TC, TCP from a pool, TLS from a pool, or DNS over HTTPS), and its health: a failed
// exchange kicks `. IN NS` probes over the same transport, and consecutive failed probes mark it
// down until a probe gets any well-formed reply.

import { Flag, HEADER_SIZE, QClass, QType } from '../../dns/constants.js';
import { encodeName } from '../../dns/wire/names.js';
import type { Clock } from '../setup-context.js';
import { ConnectionPool } from './connection-pool.js';
import { DohClient } from './doh-client.js';
import { ConnectionClosed } from './exchange-errors.js';
import { HealthProbe } from './health-probe.js';
import type { ForwardMetrics } from './metrics.js';
import { RandomIds, withId } from './random-id.js';
import { StreamConnection, type StreamTls } from './stream-connection.js';
import { exchangeUdp, type Exchanged, type UdpTarget } from './udp-exchange.js';
import { UdpSocketPool } from './udp-socket-pool.js';

export interface UpstreamAddress extends UdpTarget {
  readonly transport: 'dns' | 'tls' | 'https';
  /** `host:port` (IPv6 in brackets), the `to` label CoreDNS uses. */
  readonly label: string;
  /** Per-endpoint TLS server name (`tls://IP%NAME`, `https://IP%NAME`), overriding tls_servername. */
  readonly servername?: string;
}

export interface HealthCheckSettings {
  /** 0 disables probing (the upstream is then never marked down). */
  readonly intervalMs: number;
  readonly recursionDesired: boolean;
  /** Lower case with trailing dot; "." by default. */
  readonly domain: string;
  readonly timeoutMs: number;
  /** Probe over TCP (force_tcp) instead of UDP; TLS upstreams always probe over TLS. */
  readonly tcp: boolean;
}

export interface UpstreamSettings {
  readonly expireMs: number;
  /** Idle TCP/TLS connections kept for reuse (max_idle_conns); 0: no limit. */
  readonly maxIdleConns: number;
  /** A pooled connection older than this is not reused (max_age); 0: no limit. */
  readonly maxAgeMs: number;
  readonly tls: StreamTls;
  readonly health: HealthCheckSettings;
  readonly dohMethod: 'GET' | 'POST';
  /** Local address of every socket to this upstream (source_address), or null for the OS's choice. */
  readonly sourceAddress: string | null;
}

export type Proto = 'udp' | 'tcp';

export class Upstream {
  readonly label: string;
  #fails = 0;
  readonly #pool: ConnectionPool;
  readonly #udp: UdpSocketPool;
  readonly #probe: HealthProbe;
  readonly #tls: StreamTls;
  readonly #doh: DohClient | null;
  readonly #healthQuery: Uint8Array;

  constructor(
    readonly address: UpstreamAddress,
    private readonly settings: UpstreamSettings,
    private readonly metrics: ForwardMetrics,
    private readonly clock: Clock,
    private readonly ids: RandomIds,
  ) {
    this.label = address.label;
    this.#pool = new ConnectionPool(settings.expireMs, clock, settings.maxIdleConns, settings.maxAgeMs);
    this.#udp = new UdpSocketPool(address, ids, settings.sourceAddress);
    this.#probe = new HealthProbe(() => this.#check(), settings.health.intervalMs);
    this.#tls =
      address.transport !== 'dns'
        ? { ...settings.tls, ...(address.servername === undefined ? {} : { servername: address.servername }) }
        : null;
    this.#doh =
      address.transport === 'https'
        ? new DohClient(address, {
            method: settings.dohMethod,
            tls: this.#tls,
            idleMs: settings.expireMs,
            ...(settings.sourceAddress === null ? {} : { localAddress: settings.sourceAddress }),
          })
        : null;
    this.#healthQuery = healthQuery(settings.health.domain, settings.health.recursionDesired);
  }

  get fails(): number {
    return this.#fails;
  }

  /** CoreDNS's Down(): max_fails 0 never marks an upstream down. */
  down(maxFails: number): boolean {
    return maxFails > 0 && this.#fails >= maxFails;
  }

  /** Starts a probe round unless one is running (CoreDNS's Healthcheck()). */
  healthcheck(): void {
    if (this.settings.health.intervalMs > 0) this.#probe.kick();
  }

  /**
   * Sends `query` (the client's message; its ID is replaced by a fresh random one) and resolves
   * with the first reply that matches within `timeoutMs`. Rejects on timeout or I/O failure.
   */
  async exchange(query: Uint8Array, questionWire: Uint8Array, proto: Proto, timeoutMs: number): Promise<Exchanged> {
    const deadline = this.clock.monotonic() + timeoutMs;
    // DoH always runs over HTTPS, whatever the client's transport (CoreDNS).
    if (this.#doh !== null) return this.#doh.exchange(query, questionWire, timeoutMs);
    if (this.address.transport === 'dns' && proto === 'udp') {
      const r = await this.#udp.exchange(query, questionWire, timeoutMs);
      if ((r.wire[2]! & (Flag.TC >> 8)) === 0) return r;
      // Truncated: the full answer is only available over TCP.
    }
    return this.#exchangeStream(query, questionWire, deadline);
  }

  /** Idempotent. */
  stop(): void {
    this.#probe.stop();
    this.#pool.stop();
    this.#udp.stop();
    this.#doh?.stop();
  }

  async #exchangeStream(query: Uint8Array, questionWire: Uint8Array, deadline: number): Promise<Exchanged> {
    const proto = this.#tls === null ? 'tcp' : 'tcp-tls';
    // A pooled connection the peer closed while idle is retried on a fresh one (bounded: the pool
    // only shrinks while we loop).
    for (;;) {
      const remaining = Math.max(1, deadline - this.clock.monotonic());
      let conn = this.#pool.take();
      const reused = conn !== null;
      this.metrics.connCache(this.label, proto, reused);
      conn ??= await StreamConnection.dial(this.address, this.#tls, remaining, this.clock.monotonic(), this.settings.sourceAddress);
      const id = this.ids.take();
      try {
        const r = await conn.exchange(withId(query, id), id, questionWire, Math.max(1, deadline - this.clock.monotonic()), reused);
        this.#pool.put(conn);
        return r;
      } catch (e) {
        conn.close();
        if (e instanceof ConnectionClosed && e.reused && this.clock.monotonic() < deadline) continue;
        throw e;
      }
    }
  }

  async #check(): Promise<boolean> {
    const h = this.settings.health;
    const id = this.ids.take();
    const query = withId(this.#healthQuery, id);
    const questionWire = query.subarray(HEADER_SIZE);
    let ok = true;
    try {
      if (this.#doh !== null) {
        await this.#doh.exchange(query, questionWire, h.timeoutMs);
      } else if (this.#tls === null && !h.tcp) {
        await exchangeUdp(this.address, query, id, questionWire, h.timeoutMs, this.settings.sourceAddress);
      } else {
        const conn = await StreamConnection.dial(this.address, this.#tls, h.timeoutMs, this.clock.monotonic(), this.settings.sourceAddress);
        try {
          await conn.exchange(query, id, questionWire, h.timeoutMs, false);
        } finally {
          conn.close();
        }
      }
    } catch {
      ok = false;
    }
    if (ok) {
      this.#fails = 0;
    } else {
      this.#fails++;
      this.metrics.healthcheckFailure(this.label);
    }
    return ok;
  }
}

/** `DOMAIN IN NS`, RD set unless no_rec; the ID is filled in per probe. */
function healthQuery(domain: string, recursionDesired: boolean): Uint8Array {
  const name = encodeName(domain);
  const out = new Uint8Array(HEADER_SIZE + name.length + 4);
  out[2] = recursionDesired ? Flag.RD >> 8 : 0;
  out[5] = 1;
  out.set(name, HEADER_SIZE);
  const p = HEADER_SIZE + name.length;
  out[p + 1] = QType.NS;
  out[p + 3] = QClass.IN;
  return out;
}
