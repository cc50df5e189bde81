// The process-wide readiness list behind every /ready endpoint (CoreDNS's ready plugin list):
// each server block with `ready` adds the plugins of its chain that report readiness; /ready is
// OK when all of them are. In `until-ready` mode a reporter that was ready once is not asked again.

export interface ReadinessReporter {
  readonly name: string;
  ready(): boolean;
}

export type MonitorMode = 'until-ready' | 'continuously';

interface Entry {
  readonly reporter: ReadinessReporter;
  readonly mode: MonitorMode;
  latched: boolean;
}

export interface ReadinessStatus {
  readonly ready: boolean;
  /** Sorted, de-duplicated names of the reporters that are not ready. */
  readonly notReady: readonly string[];
}

export class ReadinessRegistry {
  readonly #entries = new Set<Entry>();

  /** Adds reporters; the returned function removes exactly these (idempotent). */
  add(reporters: readonly ReadinessReporter[], mode: MonitorMode = 'until-ready'): () => void {
    const added = reporters.map((reporter) => ({ reporter, mode, latched: false }));
    for (const e of added) this.#entries.add(e);
    return () => {
      for (const e of added) this.#entries.delete(e);
    };
  }

  check(): ReadinessStatus {
    const notReady = new Set<string>();
    for (const e of this.#entries) {
      if (e.latched) continue;
      let ok: boolean;
      try {
        ok = e.reporter.ready();
      } catch {
        ok = false;
      }
      if (!ok) notReady.add(e.reporter.name);
      else if (e.mode === 'until-ready') e.latched = true;
    }
    return { ready: notReady.size === 0, notReady: [...notReady].sort() };
  }
}
