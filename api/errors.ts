// Kubernetes API errors as metav1.Status. The server throws StatusError; the HTTP layer
// writes its status; the client turns a Status body back into a StatusError.
import type { Status, StatusCause } from './meta.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export class StatusError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.name = 'StatusError';
    this.status = status;
  }
  get code(): number {
    return this.status.code ?? 500;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
}

export function isStatusError(e: unknown, reason?: StatusReason): e is StatusError {
  return e instanceof StatusError && (reason === undefined || e.reason === reason);
}

function failure(code: number, reason: StatusReason, message: string, details?: Status['details']): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) });
}

/** `deployments.apps "web" not found` */
export function notFound(groupResource: string, name: string): StatusError {
  const [kind, ...group] = groupResource.split('.');
  return failure(404, 'NotFound', `${groupResource} "${name}" not found`, { name, group: group.join('.') || undefined, kind });
}

export function alreadyExists(groupResource: string, name: string): StatusError {
  const [kind, ...group] = groupResource.split('.');
  return failure(409, 'AlreadyExists', `${groupResource} "${name}" already exists`, { name, group: group.join('.') || undefined, kind });
}

export function conflict(groupResource: string, name: string, why: string): StatusError {
  const [kind, ...group] = groupResource.split('.');
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource} "${name}": ${why}`, {
    name, group: group.join('.') || undefined, kind,
  });
}

/** The conflict an update with a stale resourceVersion gets. */
export function staleConflict(groupResource: string, name: string): StatusError {
  return conflict(groupResource, name, 'the object has been modified; please apply your changes to the latest version and try again');
}

export interface FieldError {
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueNotFound';
  field: string;
  message: string;
}

/** 422: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0` */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): StatusError {
  const qualified = group ? `${kind}.${group}` : kind;
  const causes: StatusCause[] = errors.map((e) => ({ reason: e.type, message: e.message, field: e.field }));
  const summary = errors.map((e) => `${e.field}: ${e.message}`);
  const message = `${qualified} "${name}" is invalid: ${summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`}`;
  return failure(422, 'Invalid', message, { name, group: group || undefined, kind, causes });
}

export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return failure(400, 'BadRequest', message, causes ? { causes } : undefined);
}

/** 410 for a resourceVersion older than the retained history. */
export function expired(message = 'too old resource version'): StatusError {
  return failure(410, 'Expired', message);
}

export function gone(message: string): StatusError {
  return failure(410, 'Gone', message);
}

export function methodNotAllowed(message: string): StatusError {
  return failure(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(contentType: string): StatusError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml; got ${JSON.stringify(contentType)}`);
}

export function requestEntityTooLarge(limitBytes: number): StatusError {
  return failure(413, 'RequestEntityTooLarge', `the request body is too large: limit is ${limitBytes} bytes`);
}

export function tooManyRequests(message = 'Too many requests, please try again later.', retryAfterSeconds = 1): StatusError {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function forbidden(message: string): StatusError {
  return failure(403, 'Forbidden', message);
}

/** `pods "web" is forbidden: WHY` (no name: `pods is forbidden: WHY`), as Kubernetes' NewForbidden. */
export function forbiddenObject(groupResource: string, name: string, why: string): StatusError {
  const [kind, ...group] = groupResource.split('.');
  const what = name ? `${groupResource} "${name}"` : groupResource;
  return failure(403, 'Forbidden', `${what} is forbidden: ${why}`, { ...(name ? { name } : {}), group: group.join('.') || undefined, kind });
}

export function internalError(message: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function serviceUnavailable(message: string): StatusError {
  return failure(503, 'ServiceUnavailable', message);
}

export function timeoutError(message: string): StatusError {
  return failure(504, 'Timeout', message);
}

export function successStatus(details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}) };
}

/** Read a Status out of anything a server answered; undefined if it is not one. */
export function asStatus(body: unknown): Status | undefined {
  if (body && typeof body === 'object' && (body as { kind?: unknown }).kind === 'Status') return body as Status;
  return undefined;
}
