// One page of a list (limit/continue), with the collection's resourceVersion, the continue token
// (the last key of the page, opaque to clients) and remainingItemCount, as the apiserver pages.

import { badRequest } from '../api-error.js';
import type { KubeObject } from '../types.js';

interface ContinueToken {
  readonly after: string;
}

export interface Page {
  readonly items: readonly KubeObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export function pageOf(listed: { entries: readonly (readonly [string, KubeObject])[]; resourceVersion: number }, query: URLSearchParams): Page {
  const entries = listed.entries;
  let start = 0;
  const cont = query.get('continue');
  if (cont !== null && cont !== '') {
    let token: ContinueToken;
    try {
      token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as ContinueToken;
    } catch {
      throw badRequest('continue key is not valid');
    }
    // The first key after the token's (keys are sorted).
    let hi = entries.length;
    while (start < hi) {
      const mid = (start + hi) >>> 1;
      if ((entries[mid] as readonly [string, KubeObject])[0] > token.after) hi = mid;
      else start = mid + 1;
    }
  }
  const limit = Number(query.get('limit') ?? '0');
  let end = entries.length;
  let next: { continue: string; remainingItemCount: number } | undefined;
  if (Number.isInteger(limit) && limit > 0 && end - start > limit) {
    end = start + limit;
    const lastKey = (entries[end - 1] as readonly [string, KubeObject])[0];
    next = { continue: Buffer.from(JSON.stringify({ after: lastKey } satisfies ContinueToken)).toString('base64url'), remainingItemCount: entries.length - end };
  }
  // The stored objects are only serialized (answers stringify at once), so they need no copy.
  return { items: entries.slice(start, end).map(([, obj]) => obj), resourceVersion: String(listed.resourceVersion), ...next };
}
