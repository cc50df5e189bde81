// One query over UDP on a socket of its own, leaving from a fresh OS-chosen source port (RFC 5452
// §9.2): for the rare queries (health probes, the loop probe); forwarded traffic uses
// udp-socket-pool.ts. The socket is connected, so the kernel only delivers
// datagrams from the upstream's address and port; among those, only a matching reply counts, and
// forged, malformed or mismatched ones are ignored until the timeout.

import { createSocket } from 'node:dgram';
import type { MessageLayout } from '../../dns/wire/layout.js';
import { ExchangeTimeout } from './exchange-errors.js';
import { matchReply } from '../../dns/wire/reply-match.js';

export interface UdpTarget {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export interface Exchanged {
  readonly wire: Uint8Array;
  readonly layout: MessageLayout;
}

export function exchangeUdp(
  target: UdpTarget,
  query: Uint8Array,
  id: number,
  questionWire: Uint8Array,
  timeoutMs: number,
  localAddress: string | null = null,
): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(target.family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err: Error | null, result?: Exchanged): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err !== null) reject(err);
      else resolve(result!);
    };
    const timer = setTimeout(() => finish(new ExchangeTimeout(`no reply within ${timeoutMs}ms`)), timeoutMs);
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg) => {
      const layout = matchReply(msg, id, questionWire);
      if (layout !== null) finish(null, { wire: msg, layout });
    });
    const connect = (): void => {
      socket.connect(target.port, target.host, () => {
        if (done) return;
        socket.send(query, (err) => {
          if (err) finish(err);
        });
      });
    };
    if (localAddress === null) connect();
    else socket.bind(0, localAddress, connect);
  });
}
