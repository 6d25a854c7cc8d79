// Writing answers: JSON bodies, and errors as Status objects. This is the one place a StatusError becomes an
// HTTP status code; anything else thrown becomes a 500 InternalError Status and a log line.
import type { ServerResponse } from 'node:http';
import type { Status } from '../../types/meta.ts';
import { internalError, isStatusError } from '../../types/status-error.ts';
import { logger } from '../../../lib/log.ts';

const log = logger('apiserver');

export function sendJson(res: ServerResponse, code: number, body: unknown, opts: { contentType?: string; pretty?: boolean; headers?: Record<string, string | string[]> } = {}): void {
  const json = Buffer.from(opts.pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body));
  sendBytes(res, code, json, opts.contentType ?? 'application/json', opts.headers);
}

export function sendBytes(res: ServerResponse, code: number, bytes: Buffer, contentType: string, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { ...headers, 'Content-Type': contentType, 'Content-Length': bytes.length, 'Cache-Control': headers['Cache-Control'] ?? 'no-cache, private' });
  res.end(bytes);
}

/** The Status an error answers with: a StatusError's own, or 500 InternalError (logged) */
export function statusOf(err: unknown, context?: Record<string, unknown>): Status & { code: number } {
  if (isStatusError(err)) return err.status;
  log.error('request failed', { ...context, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  return internalError(err instanceof Error ? err.message : String(err), err).status;
}

export function sendError(res: ServerResponse, err: unknown, context?: Record<string, unknown>): void {
  const status = statusOf(err, context);
  // as kube's ErrorNegotiated: a Status that says when to retry says it in Retry-After too (client-go waits on it)
  const retry = status.details?.retryAfterSeconds;
  if (retry && retry > 0 && !res.headersSent) res.setHeader('Retry-After', String(retry));
  sendJson(res, status.code, status);
}

/** `299 - "text"`, the Warning header kube-apiserver sends (RFC 7234 warn-code 299, quoted text) */
export const warningHeader = (text: string): string => `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

export function setWarnings(res: ServerResponse, warnings: readonly string[]): void {
  if (warnings.length && !res.headersSent) res.setHeader('Warning', [...new Set(warnings)].map(warningHeader));
}
