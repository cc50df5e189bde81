// Turning the text of an objects file into the raw objects it holds: several YAML documents,
// each one object or a `kind: List` of them (as `kubectl get -o yaml` prints), in any mix. A YAML
// error anywhere fails the whole text, since a half-written file must not replace good data.

import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';

export interface ParsedObject {
  /** Index of the YAML document in the file, from 0. */
  readonly document: number;
  /** Index in the document's `items` when the document is a List, otherwise null. */
  readonly item: number | null;
  /** 1-based line where the object starts (0 when unknown). */
  readonly line: number;
  readonly object: unknown;
}

export type ParsedObjectsText =
  | { readonly ok: true; readonly objects: readonly ParsedObject[] }
  | { readonly ok: false; readonly error: string; readonly line: number };

// Bounds what a small file can expand to through aliases (a "billion laughs" document).
const MAX_ALIAS_COUNT = 100;

export function parseObjectsText(text: string): ParsedObjectsText {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(parsed)) return { ok: true, objects: [] };
  const lineAt = (offset: number | undefined): number =>
    offset === undefined ? 0 : lines.linePos(offset).line;

  for (const doc of parsed) {
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = first.linePos?.[0].line ?? 0;
      return { ok: false, error: firstLine(first.message), line };
    }
  }

  const objects: ParsedObject[] = [];
  for (const [document, doc] of parsed.entries()) {
    const line = lineAt(doc.contents?.range[0]);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: `document ${document}: ${message}`, line };
    }
    // An empty document (a stray `---`) holds nothing.
    if (value === null || value === undefined) continue;
    if (isList(value)) {
      const starts = itemOffsets(doc);
      value.items.forEach((object, item) => {
        objects.push({ document, item, line: lineAt(starts[item]), object });
      });
    } else {
      objects.push({ document, item: null, line, object: value });
    }
  }
  return { ok: true, objects };
}

/** `kind: List`, or a typed list such as `EndpointSliceList`, with an `items` array. */
function isList(value: unknown): value is { items: unknown[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { kind, items } = value as { kind?: unknown; items?: unknown };
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items);
}

function itemOffsets(doc: Document.Parsed): Array<number | undefined> {
  if (!isMap(doc.contents)) return [];
  const items = doc.contents.get('items', true);
  if (!isSeq(items)) return [];
  return items.items.map((node) => (isNode(node) ? node.range?.[0] : undefined));
}

function isNode(value: unknown): value is { range?: readonly [number, number, number] } {
  return typeof value === 'object' && value !== null && 'range' in value;
}

/** yaml's pretty messages append a code excerpt after the first line; the first line says it all. */
function firstLine(message: string): string {
  const end = message.indexOf('\n');
  const head = end === -1 ? message : message.slice(0, end);
  return head.endsWith(':') ? head.slice(0, -1) : head;
}
