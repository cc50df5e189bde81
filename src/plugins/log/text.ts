// A name as the inside of a JSON string, for the query log's fields and msg.

const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** `s` as the inside of a JSON string (as JSON.stringify escapes it); most names pass unchanged. */
export function jsonText(s: string): string {
  return NEEDS_JSON_ESCAPE.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}
