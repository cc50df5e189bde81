// What the fake API server was asked: every HTTP request with its Kubernetes verb and resource,
// counters per verb+resource, and the writes, so tests can prove a pass wrote nothing.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'discovery';

export interface RequestRecord {
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  readonly verb: Verb;
  /** Plural, with `/status` for the subresource (`services/status`); '' for discovery. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly authorization?: string;
  /** HTTP status answered (0 while a watch is still streaming or when the server stopped first). */
  status: number;
}

const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'delete']);

export class RequestLog {
  readonly all: RequestRecord[] = [];

  add(record: RequestRecord): void {
    this.all.push(record);
  }

  /** Every write attempt (create/update/patch/delete, including status), answered or failed. */
  get writes(): RequestRecord[] {
    return this.all.filter((r) => WRITE_VERBS.has(r.verb));
  }

  /** Requests with that verb (and resource, when given). */
  count(verb: Verb, resource?: string): number {
    return this.all.filter((r) => r.verb === verb && (resource === undefined || r.resource === resource)).length;
  }

  /** Counters keyed `${verb} ${resource}`. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.all) {
      const key = `${r.verb} ${r.resource}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  reset(): void {
    this.all.length = 0;
  }
}
