// The OCI distribution error codes and the one place they become HTTP: a status and the spec's body
// {"errors":[{"code","message","detail"}]}. Handlers throw RegistryError deep; the server answers once.
import type { ServerResponse } from 'node:http';

export type ErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOO_MANY_REQUESTS'
  | 'RANGE_INVALID'
  | 'PAGINATION_NUMBER_INVALID'
  | 'UNKNOWN';

/** each code's usual status (distribution's registry/api/errcode + v2 descriptors) */
const STATUS: Record<ErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOO_MANY_REQUESTS: 429,
  RANGE_INVALID: 416,
  PAGINATION_NUMBER_INVALID: 400,
  UNKNOWN: 500,
};

export interface RegistryErrorOptions {
  status?: number;
  detail?: unknown;
  /** extra response headers (WWW-Authenticate on 401, Range on 416) */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, message: string, opts: RegistryErrorOptions = {}) {
    super(message, { cause: opts.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
  }
}

export const registryError = (code: ErrorCode, message: string, opts?: RegistryErrorOptions) => new RegistryError(code, message, opts);

/** Answer with the spec's error body (HEAD gets the status and headers only). */
export function sendError(res: ServerResponse, err: RegistryError, head: boolean): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  const body = JSON.stringify({ errors: [{ code: err.code, message: err.message, detail: err.detail ?? null }] });
  res.writeHead(err.status, {
    ...err.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Docker-Distribution-API-Version': 'registry/2.0',
  });
  res.end(head ? undefined : body);
}
