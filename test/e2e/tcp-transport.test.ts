// RFC 7766 behaviour of the TCP listener: pipelined queries, idle and read timeouts, a silent or
// slow client that never blocks anyone else, and a client that closes its sending side after its
// queries still getting every answer (the connection caps: test/transport/tcp-fairness.test.ts).

import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, encodeQuery } from '../support/dns-format.js';
import { makeHarness, type Harness } from '../support/harness.js';
import { dig } from '../support/dig.js';
import { answeringA, FakeUpstream, slow } from '../support/fake-upstream.js';

const fixture = readFileSync(new URL('../fixtures/behaviour.yaml', import.meta.url), 'utf8');
const WEB = 'web.apps.svc.clusterset.local';
const corefile = 'clusterset.local {\n  multicluster {\n    objects objects.yaml\n  }\n}\n';

function frame(msg: Buffer): Buffer {
  const f = Buffer.alloc(2 + msg.length);
  f.writeUInt16BE(msg.length, 0);
  msg.copy(f, 2);
  return f;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads `n` framed messages (or fewer if the connection closes first). */
function readFrames(s: net.Socket, n: number, timeoutMs = 10_000): Promise<Buffer[]> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    const done = (): void => {
      clearTimeout(t);
      s.removeAllListeners('data');
      resolve(out);
    };
    const t = setTimeout(done, timeoutMs);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= n) done();
    });
    s.once('close', done);
  });
}

function closed(s: net.Socket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), timeoutMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

describe('TCP transport', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('answers 50 pipelined queries sent in one write, each with its own ID', async () => {
    h = makeHarness({ corefile, files: { 'objects.yaml': fixture } });
    const port = await h.serve();
    const s = await connect(port);
    const names = ['web', 'db', 'noports', 'nope'];
    const queries = Array.from({ length: 50 }, (_, i) => encodeQuery(`${names[i % 4]}.apps.svc.clusterset.local`, 'A', { id: 1000 + i }));
    s.write(Buffer.concat(queries.map(frame)));
    const replies = (await readFrames(s, 50)).map((b) => decode(b));
    s.destroy();
    expect(replies).toHaveLength(50);
    const byId = new Map(replies.map((r) => [r.id, r]));
    for (let i = 0; i < 50; i++) {
      const r = byId.get(1000 + i)!;
      expect(r.question).toEqual([`${names[i % 4]}.apps.svc.clusterset.local. A`]);
      expect(r.rcode).toBe(names[i % 4] === 'nope' ? 'NXDOMAIN' : 'NOERROR');
    }
  });

  it('closes idle connections after the idle timeout', async () => {
    h = makeHarness({ corefile, files: { 'objects.yaml': fixture } });
    const port = await h.serve({ tcp: { idleMs: 300 } });
    const s = await connect(port);
    s.write(frame(encodeQuery(WEB, 'A')));
    expect(await readFrames(s, 1)).toHaveLength(1);
    expect(await closed(s, 3000)).toBe(true);
  });

  it('closes a connection whose frame lies about its length after the read timeout; others are served meanwhile', async () => {
    h = makeHarness({ corefile, files: { 'objects.yaml': fixture } });
    const port = await h.serve({ tcp: { readMs: 500 } });
    const liar = await connect(port);
    liar.write(Buffer.from([0xff, 0xff, 1, 2, 3])); // says 65535 bytes, sends 3
    const r = await dig(port, ['+tcp', WEB]);
    expect(r.answer).toEqual([`${WEB}. 5 IN A 10.96.0.10`]);
    expect(await closed(liar, 3000)).toBe(true);
  });

  it('a client that sends its queries and closes its side gets every answer, the forwarded one too', async () => {
    const upstream = await FakeUpstream.start(slow(200, answeringA('192.0.2.8')));
    try {
      h = makeHarness({ corefile: `${corefile}. {\n  forward . ${upstream.address}\n}\n`, files: { 'objects.yaml': fixture } });
      const port = await h.serve();
      const s = await connect(port);
      s.end(Buffer.concat([frame(encodeQuery(WEB, 'A', { id: 1 })), frame(encodeQuery('www.example.org', 'A', { id: 2 }))]));
      const replies = (await readFrames(s, 2)).map((b) => decode(b));
      expect(replies.map((r) => `${r.id} ${r.answer.join()}`).sort()).toEqual([`1 ${WEB}. 5 IN A 10.96.0.10`, '2 www.example.org. 300 IN A 192.0.2.8']);
      expect(await closed(s, 5000)).toBe(true); // and then we close ours
    } finally {
      await upstream.stop();
    }
  });

  it('a zero-length frame after a forwarded query: the query is answered, then the connection closed', async () => {
    const upstream = await FakeUpstream.start(slow(200, answeringA('192.0.2.9')));
    try {
      h = makeHarness({ corefile: `${corefile}. {\n  forward . ${upstream.address}\n}\n`, files: { 'objects.yaml': fixture } });
      const port = await h.serve();
      const s = await connect(port);
      s.write(Buffer.concat([frame(encodeQuery('www.example.org', 'A', { id: 3 })), Buffer.from([0, 0]), frame(encodeQuery(WEB, 'A', { id: 4 }))]));
      const replies = (await readFrames(s, 2)).map((b) => decode(b));
      expect(replies.map((r) => `${r.id} ${r.answer.join()}`)).toEqual(['3 www.example.org. 300 IN A 192.0.2.9']); // nothing after the break
      expect(await closed(s, 5000)).toBe(true);
    } finally {
      await upstream.stop();
    }
  });

  it('closes a connection that sends a zero-length frame', async () => {
    h = makeHarness({ corefile, files: { 'objects.yaml': fixture } });
    const port = await h.serve();
    const s = await connect(port);
    s.write(Buffer.from([0, 0]));
    expect(await closed(s, 2000)).toBe(true);
  });
});
