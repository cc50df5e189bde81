// The simple JSONPath of CRD additionalPrinterColumns (`.spec.type`, `.spec.ports[0].port`,
// `.status.conditions[?(@.type=="Ready")].status`) and how client-go's jsonpath prints a result:
// maps and lists as compact JSON, scalars as text.

import { isRecord } from '../types.js';

type Step = { readonly key: string } | { readonly index: number } | { readonly filter: { readonly key: string; readonly value: string } } | { readonly all: true };

export function parseJsonPath(path: string): Step[] | undefined {
  const steps: Step[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([A-Za-z0-9_-]+)\s*==\s*["']([^"']*)["']\)\]|\[['"]([^'"]+)['"]\]/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(path)) !== null) {
    consumed = re.lastIndex;
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { key: m[3], value: m[4] ?? '' } });
    else if (m[5] !== undefined) steps.push({ key: m[5] });
    else steps.push({ all: true });
  }
  return consumed === path.length ? steps : undefined;
}

/** The values the path finds (none when a key is missing). */
export function findResults(obj: unknown, steps: readonly Step[]): unknown[] {
  let nodes: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const n of nodes) {
      if ('key' in step) {
        if (isRecord(n) && step.key in n) next.push(n[step.key]);
      } else if ('index' in step) {
        if (Array.isArray(n) && step.index < n.length) next.push(n[step.index]);
      } else if ('filter' in step) {
        if (Array.isArray(n)) for (const item of n) if (isRecord(item) && String(item[step.filter.key]) === step.filter.value) next.push(item);
      } else if (Array.isArray(n)) next.push(...n);
      else if (isRecord(n)) next.push(...Object.values(n));
    }
    nodes = next;
  }
  return nodes;
}

export function printResult(value: unknown): string {
  if (Array.isArray(value) || isRecord(value)) return JSON.stringify(value);
  if (value === null || value === undefined) return '<nil>';
  return String(value);
}
