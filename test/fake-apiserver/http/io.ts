// Reading a request body (JSON, or protobuf from kubectl's typed commands) and writing JSON answers
// (with Warning headers, as the apiserver sends a warning per dropped unknown field) for the fake
// API server's HTTP front.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from '../api-error.js';
import { decodeProtobufBody } from './protobuf-body.js';

const MAX_BODY = 3 * 1024 * 1024;

export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new ApiError({ ...badRequest('request body too large').status, code: 413, reason: 'RequestEntityTooLarge' });
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** The request body as JSON: parsed, or decoded from Kubernetes' protobuf encoding when sent that way. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readRawBody(req);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
  if (contentType === 'application/vnd.kubernetes.protobuf' && raw.length > 0) return decodeProtobufBody(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding request body: ${(err as Error).message}`);
  }
}

/** RFC 7234 warn-code 299 with the text as a quoted string, as k8s.io/apiserver's warning recorder writes it. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendBytes(res: ServerResponse, code: number, body: Buffer, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': body.length, ...headers });
  res.end(body);
}
