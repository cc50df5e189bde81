// Open watch streams: each one replays history from its resourceVersion (or sends the current
// state as ADDED), then follows live store events filtered by namespace and selectors (an object
// that stops matching arrives as DELETED, one that starts matching as ADDED), sends BOOKMARKs when
// asked, ends at `timeoutSeconds`, and can be closed or muted all at once for fault injection.

import type { ServerResponse } from 'node:http';
import { badRequest, expired } from './api-error.js';
import { apiVersionOf, type ResourceDef } from './resources.js';
import type { ObjectStore, Selection, StoredEvent } from './store.js';
import type { KubeObject, WatchEvent } from './types.js';

export interface WatchRequest {
  readonly def: ResourceDef;
  readonly version: string;
  readonly selection: Selection;
  /** The `resourceVersion` query parameter; null when absent. */
  readonly resourceVersion: string | null;
  readonly allowBookmarks: boolean;
  readonly timeoutSeconds: number | null;
}

class WatchStream {
  muted = false;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly res: ServerResponse,
    private readonly req: WatchRequest,
    private readonly store: ObjectStore,
    private readonly onClose: (stream: WatchStream) => void,
  ) {}

  private present(obj: KubeObject): KubeObject {
    return { ...obj, apiVersion: apiVersionOf(this.req.def.group, this.req.version) };
  }

  send(event: WatchEvent): void {
    if (this.closed || this.muted) return;
    this.res.write(`${JSON.stringify(event)}\n`);
  }

  /** Translates a store event into what this watcher sees, if anything. */
  deliver(event: StoredEvent): void {
    if (event.def.key !== this.req.def.key) return;
    const sel = this.req.selection;
    const now = this.store.matches(event.def, event.object, sel);
    const before = event.prev !== undefined && this.store.matches(event.def, event.prev, sel);
    if (event.type === 'MODIFIED') {
      if (now && before) this.send({ type: 'MODIFIED', object: this.present(event.object) });
      else if (now) this.send({ type: 'ADDED', object: this.present(event.object) });
      else if (before && event.prev !== undefined) {
        const gone = this.present(event.prev);
        gone.metadata = { ...gone.metadata, resourceVersion: String(event.rv) };
        this.send({ type: 'DELETED', object: gone });
      }
      return;
    }
    if (now) this.send({ type: event.type, object: this.present(event.object) });
  }

  start(bookmarkIntervalMs: number): void {
    const { req, store } = this;
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    this.res.flushHeaders();
    this.res.on('close', () => this.close());

    const rvText = req.resourceVersion;
    if (rvText === null || rvText === '' || rvText === '0') {
      const { items } = store.list(req.def, req.selection);
      for (const obj of items) this.send({ type: 'ADDED', object: this.present(obj) });
    } else {
      const from = Number(rvText);
      const events = store.eventsAfter(from);
      if (!Array.isArray(events)) {
        this.send({ type: 'ERROR', object: expired(from, events.expired) });
        this.close();
        return;
      }
      for (const e of events) this.deliver(e);
    }
    this.unsubscribe = store.subscribe((e) => this.deliver(e));

    if (req.allowBookmarks) {
      const t = setInterval(() => {
        this.send({
          type: 'BOOKMARK',
          object: {
            kind: req.def.kind,
            apiVersion: apiVersionOf(req.def.group, req.version),
            metadata: { resourceVersion: String(store.resourceVersion()) },
          },
        });
      }, bookmarkIntervalMs);
      this.timers.push(t);
    }
    if (req.timeoutSeconds !== null) {
      this.timers.push(setTimeout(() => this.close(), req.timeoutSeconds * 1000));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.unsubscribe();
    this.onClose(this);
    if (!this.res.writableEnded) this.res.end();
  }
}

export class WatchHub {
  private readonly streams = new Set<WatchStream>();
  private silent = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly bookmarkIntervalMs: number,
  ) {}

  /** Validates the request (throws an ApiError before any byte is sent) and starts streaming. */
  open(res: ServerResponse, req: WatchRequest): void {
    const rv = req.resourceVersion;
    if (rv !== null && rv !== '' && !/^\d+$/.test(rv)) {
      throw badRequest(`invalid resource version: ${rv}`);
    }
    const stream = new WatchStream(res, req, this.store, (s) => this.streams.delete(s));
    stream.muted = this.silent;
    this.streams.add(stream);
    stream.start(this.bookmarkIntervalMs);
  }

  openCount(): number {
    return this.streams.size;
  }

  closeAll(): void {
    for (const s of [...this.streams]) s.close();
  }

  silence(on: boolean): void {
    this.silent = on;
    if (on) for (const s of this.streams) s.muted = true;
  }
}
