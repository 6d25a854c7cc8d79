// Errors of the Kubernetes API as the one thrown type: a StatusError carries the exact `Status` object the
// API server answers with (code, reason, details.causes with field paths). Validation, the REST layer, the
// HTTP client and the in-process client all throw it, so a controller handles errors the same way whichever
// client it holds. Mapped to HTTP in exactly one place (apiserver/http).
import type { Status, StatusCause } from 'kubernetes-types/meta/v1.js';

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone'
  | 'Invalid' | 'MethodNotAllowed' | 'NotAcceptable' | 'UnsupportedMediaType' | 'RequestEntityTooLarge'
  | 'TooManyRequests' | 'InternalError' | 'Timeout' | 'ServiceUnavailable' | 'Expired';

export class StatusError extends Error {
  readonly status: Status & { code: number; reason: StatusReason; message: string };
  constructor(status: Status & { code: number; reason: StatusReason; message: string }, options?: { cause?: unknown }) {
    super(status.message, options);
    this.name = 'StatusError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...status };
  }
  get code(): number { return this.status.code; }
  get reason(): StatusReason { return this.status.reason; }
}

export function isStatusError(err: unknown, reason?: StatusReason): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.status.reason === reason);
}

/** group-qualified resource as Kubernetes prints it: `pods`, `deployments.apps` */
const qualified = (gr: { group: string; resource: string }) => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);

const make = (code: number, reason: StatusReason, message: string, details?: Status['details']) =>
  new StatusError({ code, reason, message, ...(details ? { details } : {}) });

export const notFoundError = (gr: { group: string; resource: string }, name: string) =>
  make(404, 'NotFound', `${qualified(gr)} "${name}" not found`, { name, group: gr.group, kind: gr.resource });

export const alreadyExistsError = (gr: { group: string; resource: string }, name: string) =>
  make(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, { name, group: gr.group, kind: gr.resource });

/** Optimistic-lock failure (stale resourceVersion), worded as kube-apiserver words it. */
export const conflictError = (gr: { group: string; resource: string }, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  make(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, { name, group: gr.group, kind: gr.resource });

export const goneError = (message = 'too old resource version') => make(410, 'Expired', message);
// kube-apiserver answers a compacted list/watch with reason "Expired" and code 410 (k8s.io/apimachinery
// NewResourceExpired); clients check the code.

export const badRequestError = (message: string) => make(400, 'BadRequest', message);
export const unauthorizedError = (message = 'Unauthorized') => make(401, 'Unauthorized', message);
export const forbiddenError = (message: string) => make(403, 'Forbidden', message);
export const methodNotAllowedError = (message: string) => make(405, 'MethodNotAllowed', message);
export const notAcceptableError = (message: string) => make(406, 'NotAcceptable', message);
export const unsupportedMediaTypeError = (message: string) => make(415, 'UnsupportedMediaType', message);
export const internalError = (message: string, cause?: unknown) =>
  new StatusError({ code: 500, reason: 'InternalError', message: `Internal error occurred: ${message}` }, { cause });
export const timeoutError = (message: string) => make(504, 'Timeout', message);
export const unavailableError = (message: string) => make(503, 'ServiceUnavailable', message);

/** One invalid field, as field.Error in apimachinery: `spec.replicas: Invalid value: -1: must be ...` */
export interface FieldError {
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueTypeInvalid' | 'FieldValueNotFound';
  field: string;
  badValue?: unknown;
  detail?: string;
}

export const required = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, detail });
export const invalid = (field: string, badValue: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, badValue, detail });
export const notSupported = (field: string, badValue: unknown, valid: string[]): FieldError =>
  ({ type: 'FieldValueNotSupported', field, badValue, detail: `supported values: ${valid.map((v) => `"${v}"`).join(', ')}` });
export const duplicate = (field: string, badValue: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, badValue });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
/** `spec.ephemeralContainers[0].targetContainerName: Not found: "x"` */
export const fieldNotFound = (field: string, badValue: unknown): FieldError => ({ type: 'FieldValueNotFound', field, badValue });
export const tooLong = (field: string, badValue: unknown, max: number): FieldError =>
  ({ type: 'FieldValueTooLong', field, badValue, detail: `must have at most ${max} bytes` });

const typeWords: Record<FieldError['type'], string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueNotFound: 'Not found',
};

// values print as Go's %#v does in apimachinery's field errors: strings quoted, string maps and slices typed
function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string')) {
    return `map[string]string{${Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
  }
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** `spec.replicas: Invalid value: -1: must be greater than or equal to 0` */
export function formatFieldError(e: FieldError): string {
  const words = typeWords[e.type];
  // as apimachinery's ErrorBody: Required, Forbidden and TooLong never print the value; TooMany prints the count when it has one
  const bare = e.type === 'FieldValueRequired' || e.type === 'FieldValueForbidden' || e.type === 'FieldValueTooLong' || (e.type === 'FieldValueTooMany' && e.badValue === undefined);
  const withValue = bare ? words : `${words}: ${showValue(e.badValue)}`;
  return e.detail ? `${e.field}: ${withValue}: ${e.detail}` : `${e.field}: ${withValue}`;
}

/** 422 Invalid, worded exactly as kube-apiserver: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: ...` */
export function invalidError(gk: { group: string; kind: string }, name: string, errs: FieldError[]): StatusError {
  const qualifiedKind = gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
  const list = errs.map(formatFieldError);
  const joined = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const causes: StatusCause[] = errs.map((e) => ({ reason: e.type, message: formatFieldError(e).slice(e.field.length + 2), field: e.field }));
  return make(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${joined}`, { name, group: gk.group, kind: gk.kind, causes });
}
