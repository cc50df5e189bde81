// Small HTTP helpers for the fake API server's tests: JSON requests and a watch reader that
// collects newline-delimited events from a real streaming response.

import { request } from 'node:http';
import type { WatchEvent } from '../fake-apiserver/index.js';

export interface JsonResponse {
  status: number;
  body: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { 'content-type': contentType } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

export interface WatchReader {
  readonly status: Promise<number>;
  readonly events: WatchEvent[];
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  /** Waits until `count` events have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<WatchEvent[]>;
  close(): void;
}

export function openWatch(base: string, path: string): WatchReader {
  const events: WatchEvent[] = [];
  const waiters = new Set<() => void>();
  let resolveStatus: (code: number) => void = () => {};
  let resolveEnded: () => void = () => {};
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = new Promise<void>((r) => (resolveEnded = r));
  const req = request(base + path, (res) => {
    resolveStatus(res.statusCode ?? 0);
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() !== '') events.push(JSON.parse(line) as WatchEvent);
      }
      for (const w of [...waiters]) w();
    });
    res.on('end', () => resolveEnded());
    res.on('close', () => resolveEnded());
  });
  req.on('error', () => resolveEnded());
  req.end();
  return {
    status,
    events,
    ended,
    waitFor(count, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (events.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(events.slice(0, count));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${count} events; got ${JSON.stringify(events.map((e) => e.type))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      req.destroy();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
