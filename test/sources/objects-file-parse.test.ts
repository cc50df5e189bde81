// parseObjectsText: which texts give which objects (with document/item/line), and which fail.

import { describe, expect, it } from 'vitest';
import { parseObjectsText } from '../../src/sources/objects-file-parse.js';

describe('parseObjectsText', () => {
  const good: Array<{ name: string; text: string; objects: Array<[document: number, item: number | null, line: number, kind: unknown]> }> = [
    { name: 'empty text', text: '', objects: [] },
    { name: 'only comments', text: '# nothing here\n', objects: [] },
    { name: 'stray separators', text: '---\n---\nkind: A\n---\n', objects: [[1, null, 3, 'A']] },
    { name: 'two documents', text: 'kind: A\n---\nkind: B\n', objects: [[0, null, 1, 'A'], [1, null, 3, 'B']] },
    {
      name: 'a List then a document',
      text: 'apiVersion: v1\nkind: List\nitems:\n- kind: A\n- kind: B\n  x: 1\n---\nkind: C\n',
      objects: [[0, 0, 4, 'A'], [0, 1, 5, 'B'], [1, null, 8, 'C']],
    },
    {
      name: 'a typed list (EndpointSliceList)',
      text: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSliceList\nitems:\n- kind: EndpointSlice\n',
      objects: [[0, 0, 4, 'EndpointSlice']],
    },
    { name: 'an empty List', text: 'kind: List\nitems: []\n', objects: [] },
    { name: 'a scalar document is passed on (as a bad object)', text: 'hello\n', objects: [[0, null, 1, undefined]] },
  ];
  it.each(good)('$name', ({ text, objects }) => {
    const parsed = parseObjectsText(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.objects.map((o) => [o.document, o.item, o.line, (o.object as { kind?: unknown } | null)?.kind])).toEqual(objects);
  });

  const bad: Array<{ name: string; text: string; error: RegExp; line: number }> = [
    { name: 'unclosed flow sequence', text: 'kind: A\n---\nitems: [1,\n', error: /Flow sequence/, line: 4 },
    { name: 'duplicate key', text: 'kind: A\nkind: B\n', error: /Map keys must be unique/, line: 2 },
    { name: 'tab indentation', text: 'a:\n\tb: 1\n', error: /tab/i, line: 2 },
    { name: 'unresolved alias', text: 'kind: A\n---\nx: *nope\n', error: /^document 1: .*alias/i, line: 3 },
    {
      name: 'alias expansion bomb',
      text: [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
        'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
        '',
      ].join('\n'),
      error: /alias/i,
      line: 1,
    },
  ];
  it.each(bad)('fails: $name', ({ text, error, line }) => {
    const parsed = parseObjectsText(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatch(error);
    expect(parsed.line).toBe(line);
  });
});
