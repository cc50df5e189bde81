// Structural equality and deep freezing of the records (plain objects, arrays, strings, numbers,
// booleans, null). Equality decides whether an update from a source is a real change, and so
// whether a new snapshot (and SOA serial) is published; freezing keeps a published record from
// being changed behind the snapshot's back.

export function recordsEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!recordsEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(right, key) || !recordsEqual(left[key], right[key])) return false;
  }
  return true;
}

/** Freezes a record and everything inside it; a no-op for what is already frozen throughout. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
