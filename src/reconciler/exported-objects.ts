// The Services and EndpointSlices of one member cluster as the reconciler keeps them: whole when a
// ServiceExport names them (or they are ours), their identity only otherwise, since most Services of
// a fleet are never exported and their specs would be most of the reconciler's memory. When an
// export appears for a Service that was kept as identity only, its Service and slices are fetched
// once ("hydrated") and used until the watch delivers them whole.

import { objectKey } from '../k8s/informer-store.js';
import type { KubeRest, ResourcePath } from './kube-rest.js';
import {
  LABEL_MANAGED_BY,
  LABEL_MCS_SERVICE_NAME,
  LABEL_SERVICE_NAME,
  LABEL_SLICE_MANAGED_BY,
  MANAGER_NAME,
  type EndpointSlice,
  type KubeObject,
  type Service,
} from './objects.js';

const SERVICES: ResourcePath = { group: '', version: 'v1', plural: 'services' };
const KEPT_LABELS = [LABEL_MANAGED_BY, LABEL_MCS_SERVICE_NAME, LABEL_SERVICE_NAME, LABEL_SLICE_MANAGED_BY];

/** What observing one key found: the objects, or that they are being fetched. */
export type Lookup<T> = { readonly ready: true; readonly value: T } | { readonly ready: false };

interface Hydrated {
  readonly service: Service | null;
  readonly slices: ReadonlyMap<string, EndpointSlice>;
}

export interface ExportedObjectsOptions {
  readonly rest: KubeRest;
  /** Whether a ServiceExport of namespace/name exists in this cluster. */
  readonly isExported: (namespace: string, name: string) => boolean;
  /** Called when a fetch ended (ok or not), so that the key is looked at again. */
  readonly onHydrated: (namespace: string, name: string, ok: boolean) => void;
}

/** Whether `fetched` is the same version as `cached` or a later one (numeric resourceVersions). */
function atLeast(fetched: KubeObject, cached: KubeObject): boolean {
  const a = fetched.metadata?.resourceVersion;
  const b = cached.metadata?.resourceVersion;
  if (a === b) return true;
  return a !== undefined && b !== undefined && /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) > BigInt(b);
}

export class ExportedObjects {
  private readonly identityOnly = new WeakSet<object>();
  private readonly hydrated = new Map<string, Hydrated>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly opts: ExportedObjectsOptions) {}

  /** The informer transform for Services: whole when exported or ours, else identity only. */
  readonly serviceTransform = (obj: KubeObject): KubeObject => {
    const ours = obj.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGER_NAME;
    return ours || this.opts.isExported(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '') ? obj : this.identity(obj);
  };

  /** The informer transform for source EndpointSlices: whole when their Service is exported. */
  readonly sliceTransform = (obj: KubeObject): KubeObject => {
    const svc = obj.metadata?.labels?.[LABEL_SERVICE_NAME];
    return svc !== undefined && this.opts.isExported(obj.metadata?.namespace ?? '', svc) ? obj : this.identity(obj);
  };

  isIdentityOnly(obj: KubeObject): boolean {
    return this.identityOnly.has(obj);
  }

  /** The exported Service `cached` stands for: itself when whole, else its fetched copy. */
  service(namespace: string, name: string, cached: Service | null): Lookup<Service | null> {
    if (cached === null || !this.identityOnly.has(cached)) return { ready: true, value: cached };
    const h = this.hydrated.get(objectKey(namespace, name));
    if (h !== undefined && (h.service === null || atLeast(h.service, cached))) return { ready: true, value: h.service };
    this.hydrate(namespace, name);
    return { ready: false };
  }

  /**
   * The exported Service's slices: each whole, or its fetched copy (one deleted since the fetch is
   * left out; the cache hears of the deletion soon).
   */
  slices(namespace: string, name: string, cached: readonly EndpointSlice[]): Lookup<EndpointSlice[]> {
    const h = this.hydrated.get(objectKey(namespace, name));
    const out: EndpointSlice[] = [];
    for (const s of cached) {
      if (!this.identityOnly.has(s)) {
        out.push(s);
        continue;
      }
      if (h === undefined) break;
      const fetched = h.slices.get(s.metadata?.name ?? '');
      if (fetched === undefined) continue;
      if (!atLeast(fetched, s)) {
        this.hydrate(namespace, name);
        return { ready: false };
      }
      out.push(fetched);
    }
    if (h === undefined && out.length < cached.length) {
      this.hydrate(namespace, name);
      return { ready: false };
    }
    return { ready: true, value: out };
  }

  /** Drops what was fetched for an export that is gone. */
  forget(namespace: string, name: string): void {
    this.hydrated.delete(objectKey(namespace, name));
  }

  private identity(obj: KubeObject): KubeObject {
    const md = obj.metadata ?? {};
    const labels: Record<string, string> = {};
    for (const k of KEPT_LABELS) {
      const v = md.labels?.[k];
      if (v !== undefined) labels[k] = v;
    }
    const out: KubeObject = {
      metadata: {
        name: md.name ?? '',
        namespace: md.namespace ?? '',
        ...(md.uid !== undefined ? { uid: md.uid } : {}),
        ...(md.resourceVersion !== undefined ? { resourceVersion: md.resourceVersion } : {}),
        ...(Object.keys(labels).length > 0 ? { labels } : {}),
      },
    };
    this.identityOnly.add(out);
    return out;
  }

  private hydrate(namespace: string, name: string): void {
    const key = objectKey(namespace, name);
    if (this.inFlight.has(key)) return;
    const run = (async () => {
      let ok = false;
      try {
        const selector = `${LABEL_SERVICE_NAME}=${name},${LABEL_SLICE_MANAGED_BY}!=${MANAGER_NAME}`;
        const [service, list] = await Promise.all([
          this.opts.rest.get<Service>(SERVICES, namespace, name),
          this.opts.rest.request(
            'GET',
            `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices?labelSelector=${encodeURIComponent(selector)}`,
          ),
        ]);
        const slices = new Map<string, EndpointSlice>();
        for (const s of ((list as { items?: EndpointSlice[] } | undefined)?.items ?? [])) slices.set(s.metadata?.name ?? '', s);
        this.hydrated.set(key, { service, slices });
        ok = true;
      } catch {
        // The key is looked at again; the fetch is retried then.
      } finally {
        this.inFlight.delete(key);
      }
      this.opts.onHydrated(namespace, name, ok);
    })();
    this.inFlight.set(key, run);
  }

  /** Waits for fetches under way (stop). */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight.values()]);
  }
}
