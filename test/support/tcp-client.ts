// A raw DNS-over-TCP client for transport tests: connect (optionally from a given loopback
// address, to play several clients), frame a message, read framed replies, see a close.

import net from 'node:net';

export function frame(msg: Uint8Array): Buffer {
  const f = Buffer.alloc(2 + msg.length);
  f.writeUInt16BE(msg.length, 0);
  f.set(msg, 2);
  return f;
}

/** Connects to 127.0.0.1:port from `localAddress` (any 127.x.y.z on Linux). */
export function connect(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress }, () => {
      s.off('error', reject);
      s.on('error', () => undefined); // a reset by the server shows as 'close'
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Reads `n` framed messages (fewer if the connection closes or `timeoutMs` passes first). */
export function readFrames(s: net.Socket, n: number, timeoutMs = 10_000): Promise<Buffer[]> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    const done = (): void => {
      clearTimeout(t);
      s.off('data', onData);
      s.off('close', done);
      resolve(out);
    };
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= n) done();
    };
    const t = setTimeout(done, timeoutMs);
    s.on('data', onData);
    s.once('close', done);
  });
}

/** Resolves true once `s` is closed, false if it is still open after `timeoutMs`. */
export function closed(s: net.Socket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed || s.closed) return resolve(true);
    const t = setTimeout(() => resolve(false), timeoutMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
