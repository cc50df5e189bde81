// Errors shaped like the apiserver's: an ApiError carries the metav1.Status the HTTP layer sends,
// with the reason strings and message wording of k8s.io/apimachinery's errors package.

import type { StatusObject } from './types.js';
import type { ResourceDef } from './resources.js';
import { aggregateMessage, errorBody, type FieldError } from './schema/field-errors.js';

export class ApiError extends Error {
  readonly status: StatusObject;

  constructor(status: StatusObject) {
    super(status.message);
    this.name = 'ApiError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason;
  }
}

/** `services` for core, `serviceimports.multicluster.x-k8s.io` otherwise (the wording of real messages). */
export function qualifiedResource(def: ResourceDef): string {
  return def.group === '' ? def.plural : `${def.plural}.${def.group}`;
}

function status(code: number, reason: string, message: string, details?: StatusObject['details']): StatusObject {
  const s: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details !== undefined) s.details = details;
  return s;
}

export function notFound(def: ResourceDef, name: string): ApiError {
  return new ApiError(
    status(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, { name, group: def.group, kind: def.plural }),
  );
}

export function namespaceNotFound(namespace: string): ApiError {
  return new ApiError(status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' }));
}

export function alreadyExists(def: ResourceDef, name: string): ApiError {
  return new ApiError(
    status(409, 'AlreadyExists', `${qualifiedResource(def)} "${name}" already exists`, {
      name,
      group: def.group,
      kind: def.plural,
    }),
  );
}

export function conflict(def: ResourceDef, name: string, why: string): ApiError {
  return new ApiError(
    status(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": ${why}`, {
      name,
      group: def.group,
      kind: def.plural,
    }),
  );
}

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

/** `Service` for core, `ServiceImport.multicluster.x-k8s.io` otherwise (schema.GroupKind's String()). */
export function qualifiedKind(gk: { readonly group: string; readonly kind: string }): string {
  return gk.group === '' ? gk.kind : `${gk.kind}.${gk.group}`;
}

/** A 422 Invalid Status for one or more field errors, as apierrors.NewInvalid builds it. */
export function invalidFields(gk: { readonly group: string; readonly kind: string }, name: string, errs: readonly FieldError[]): ApiError {
  const causes = errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
  const head = `${qualifiedKind(gk)} ${JSON.stringify(name)} is invalid`;
  return new ApiError(
    status(422, 'Invalid', errs.length === 0 ? head : `${head}: ${aggregateMessage(errs)}`, {
      name,
      group: gk.group,
      kind: gk.kind,
      causes,
    }),
  );
}

export function invalid(def: ResourceDef, name: string, field: string, detail: string, causeReason = 'FieldValueInvalid'): ApiError {
  return new ApiError(
    status(422, 'Invalid', `${qualifiedKind(def)} "${name}" is invalid: ${field}: ${detail}`, {
      name,
      group: def.group,
      kind: def.kind,
      causes: [{ reason: causeReason, message: detail, field }],
    }),
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(status(400, 'BadRequest', message));
}

export function methodNotAllowed(): ApiError {
  return new ApiError(status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
}

// Server-side apply (application/apply-patch+yaml) is not implemented, so it is not offered.
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

export function unsupportedMediaType(accepted: readonly string[] = PATCH_TYPES): ApiError {
  return new ApiError(status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`));
}

export function notAcceptable(): ApiError {
  return new ApiError(status(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1beta1;g=meta.k8s.io'));
}

export function pathNotFound(): ApiError {
  return new ApiError(status(404, 'NotFound', 'the server could not find the requested resource'));
}

export function expired(requested: number, oldest: number): StatusObject {
  return status(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

/** The Status an injected fault answers with, worded like the real reasons for common codes. */
export function injectedFault(code: number): StatusObject {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    409: 'Conflict',
    410: 'Expired',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return status(code, reasons[code] ?? 'InternalError', `Internal error occurred: injected fault (${code})`);
}
