// Field errors as k8s.io/apimachinery's field.Error: the cause types, the wording of each error
// body ("Required value", `Unsupported value: "x": supported values: ...`), Go's rendering of bad
// values, and the aggregate message a 422 Invalid Status carries.

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueForbidden';

export interface FieldError {
  readonly type: FieldErrorType;
  readonly field: string;
  /** The offending value; absent when the error shows none. */
  readonly value?: unknown;
  readonly hasValue: boolean;
  readonly detail: string;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueForbidden: 'Forbidden',
};

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** A JSON value as Go's %#v prints it inside an interface{} (unstructured content). */
export function goSyntax(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]interface {}{${entries.map(([k, v]) => `${goQuote(k)}:${goSyntax(v)}`).join(', ')}}`;
}

/** How field.Error prints a bad value: %v for numbers and booleans, %q for strings, %#v otherwise. */
function renderValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return goQuote(value);
  return goSyntax(value);
}

export function errorBody(e: FieldError): string {
  let s = TYPE_TEXT[e.type];
  const shortForm = e.type === 'FieldValueRequired' || e.type === 'FieldValueForbidden' || e.type === 'FieldValueTooLong';
  if (!shortForm && e.hasValue) s += `: ${renderValue(e.value)}`;
  if (e.detail !== '') s += `: ${e.detail}`;
  return s;
}

export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** utilerrors.NewAggregate's text: the one message, or all of them in brackets. */
export function aggregateMessage(errs: readonly FieldError[]): string {
  const msgs = errs.map(formatFieldError);
  return msgs.length === 1 ? (msgs[0] as string) : `[${msgs.join(', ')}]`;
}

export const fieldErrors = {
  required(field: string, detail = ''): FieldError {
    return { type: 'FieldValueRequired', field, hasValue: false, detail };
  },
  invalid(field: string, value: unknown, detail: string): FieldError {
    return { type: 'FieldValueInvalid', field, value, hasValue: true, detail };
  },
  typeInvalid(field: string, value: unknown, detail: string): FieldError {
    return { type: 'FieldValueTypeInvalid', field, value, hasValue: true, detail };
  },
  notSupported(field: string, value: unknown, supported: readonly unknown[]): FieldError {
    const quoted = supported.map((v) => goQuote(typeof v === 'string' ? v : JSON.stringify(v)));
    return { type: 'FieldValueNotSupported', field, value, hasValue: true, detail: quoted.length > 0 ? `supported values: ${quoted.join(', ')}` : '' };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: 'FieldValueDuplicate', field, value, hasValue: true, detail: '' };
  },
  tooLong(field: string, value: unknown, max: number): FieldError {
    return { type: 'FieldValueTooLong', field, value, hasValue: true, detail: `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` };
  },
  tooMany(field: string, actual: number, max: number): FieldError {
    return { type: 'FieldValueTooMany', field, value: actual, hasValue: true, detail: `must have at most ${max} ${max === 1 ? 'item' : 'items'}` };
  },
  forbidden(field: string, detail: string): FieldError {
    return { type: 'FieldValueForbidden', field, hasValue: false, detail };
  },
};

/** `spec.ports` + `0` → `spec.ports[0]`; `spec` + `type` → `spec.type`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
