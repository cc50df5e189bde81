// Ports for servers whose port must be known before they start (a Corefile key, a process's
// flags). Picked below the kernel's ephemeral range, so no outgoing connection or port-0 socket of
// any process can take one between the pick and the bind (a test holding 1,200 client connections
// takes 1,200 ephemeral ports); and each vitest worker (VITEST_POOL_ID) picks from its own block
// of 1,000, in turn, so two tests running at once never pick the same one. Each pick is checked
// free for both TCP and UDP on loopback (a DNS server binds both).

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const BLOCK = 1000;

/** The lowest ephemeral port (net.ipv4.ip_local_port_range), 32768 when unreadable. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

// Blocks count down from just under the ephemeral range: worker 1 gets the one nearest it.
const worker = Math.max(1, Number(process.env['VITEST_POOL_ID'] ?? 1)) - 1;
const blockStart = ephemeralLow() - BLOCK * (1 + (worker % 16));
let next = Math.floor(Math.random() * BLOCK);

async function tcpFree(port: number): Promise<boolean> {
  const srv = net.createServer();
  const ok = await new Promise<boolean>((r) => {
    srv.once('error', () => r(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => r(true));
  });
  if (ok) await new Promise<void>((r) => srv.close(() => r()));
  return ok;
}

async function udpFree(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  const ok = await new Promise<boolean>((r) => {
    s.once('error', () => r(false));
    s.bind(port, '127.0.0.1', () => r(true));
  });
  if (ok) await new Promise<void>((r) => s.close(() => r()));
  return ok;
}

/** A loopback port free for TCP and UDP, that no other test of this run is handed. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = blockStart + (next++ % BLOCK);
    if ((await tcpFree(port)) && (await udpFree(port))) return port;
  }
  throw new Error(`no free port in ${blockStart}..${blockStart + BLOCK - 1}`);
}
