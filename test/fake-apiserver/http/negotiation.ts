// Accept-header negotiation as the apiserver does it: the first media type in the client's list
// that the server can produce wins, so `application/json;as=Table;g=meta.k8s.io;v=v1` gets a Table
// and an aggregated-discovery request falls back to the legacy documents when that form is not
// listed (or not served) before plain JSON.

export interface MediaType {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

export function parseAccept(header: string | undefined): MediaType[] {
  if (header === undefined || header.trim() === '') return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

function isJson(m: MediaType): boolean {
  return m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
}

/** What a read of a resource should answer with: the object(s), a Table, or nothing acceptable. */
export type ResourceRendering = 'object' | 'table' | 'not-acceptable';

export function negotiateResource(accept: string | undefined): ResourceRendering {
  for (const m of parseAccept(accept)) {
    if (!isJson(m)) continue;
    const as = m.params.as;
    if (as === undefined) return 'object';
    if (as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) return 'table';
  }
  return 'not-acceptable';
}

/** True when the client takes apidiscovery.k8s.io/v2 aggregated discovery before plain JSON. */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  for (const m of parseAccept(accept)) {
    if (!isJson(m)) continue;
    if (m.params.as === undefined) return false;
    if (m.params.as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && m.params.v === 'v2') return true;
  }
  return false;
}
