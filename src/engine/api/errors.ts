// The one place where engine errors become Docker API answers: an HTTP status and `{"message": "..."}`,
// which the docker CLI prints as `Error response from daemon: <message>`.
import { STATUS_CODES } from 'node:http';
import { SkiffError, type ErrorKind } from '../../lib/errors.ts';

const statusByKind: Record<ErrorKind, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  InvalidArgument: 400,
  FailedPrecondition: 409,
  Unavailable: 503,
  DeadlineExceeded: 504,
  PermissionDenied: 403,
  Internal: 500,
};

export interface HttpError {
  status: number;
  message: string;
}

/** Status and message for anything thrown while serving a request. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof SkiffError) return { status: statusByKind[err.kind] ?? 500, message: err.message };
  if (err instanceof SyntaxError) return { status: 400, message: `invalid JSON: ${err.message}` };
  return { status: 500, message: err instanceof Error ? err.message : String(err) };
}

export function errorBody(message: string): string {
  return JSON.stringify({ message }) + '\n';
}

/** A complete HTTP/1.1 error response as raw bytes, for connections that were taken over (hijacked). */
export function rawErrorResponse(err: HttpError): string {
  const body = errorBody(err.message);
  return (
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}
