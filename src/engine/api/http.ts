// Small request/response helpers shared by the route files: JSON in and out, docker's query-value rules,
// and writes that respect backpressure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { invalidArgument } from '../../lib/errors.ts';

const maxJsonBody = 4 * 1024 * 1024;

/** Read a JSON request body (empty body → undefined). */
export async function readJson(req: IncomingMessage, signal?: AbortSignal): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    size += chunk.length;
    if (size > maxJsonBody) throw invalidArgument('request body is too large');
    chunks.push(chunk);
  }
  return parseJsonBody(Buffer.concat(chunks));
}

export function parseJsonBody(buf: Buffer): unknown {
  const text = buf.toString('utf8').trim();
  if (text === '') return undefined;
  return JSON.parse(text);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/** Write and wait for `drain` when the peer is slow; resolves false when the peer went away. */
export async function writeChunk(out: Writable, data: Buffer | string, signal?: AbortSignal): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(data)) return true;
  try {
    await once(out, 'drain', { signal });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- query values

/** docker's boolean query values: absent, '', '0', 'no', 'false', 'none' are false. */
export function queryBool(q: URLSearchParams, name: string, fallback = false): boolean {
  const v = q.get(name);
  if (v === null) return fallback;
  return !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  return n;
}

/** docker's `filters` query value: `{"k":["v"]}` or the old `{"k":{"v":true}}`. */
export function queryFilters(q: URLSearchParams): Record<string, string[]> | undefined {
  const raw = q.get('filters');
  if (raw === null || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument(`invalid filter: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidArgument(`invalid filter: ${raw}`);
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) out[key] = value.map(String);
    else if (typeof value === 'object' && value !== null) out[key] = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k]);
    else throw invalidArgument(`invalid filter: ${raw}`);
  }
  return out;
}

/** A docker timestamp query value (`1700000000.123456789` or RFC 3339) as unix seconds. */
export function queryUnixSeconds(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '' || v === '0') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return ms / 1000;
}

export function required(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (v === null || v === '') throw invalidArgument(`missing query parameter: ${name}`);
  return v;
}

/** docker's `platform` query value: a JSON OCI platform (API 1.48+) or `os/arch[/variant]`; undefined when absent */
export function queryPlatform(q: URLSearchParams): { os: string; architecture: string; variant?: string } | undefined {
  const v = q.get('platform');
  if (!v) return undefined;
  let p: { os?: unknown; architecture?: unknown; variant?: unknown };
  if (v.trim().startsWith('{')) {
    try {
      p = JSON.parse(v) as typeof p;
    } catch {
      throw invalidArgument(`invalid platform: ${v}`);
    }
  } else {
    const [os, architecture, variant] = v.split('/');
    p = { os, architecture, variant };
  }
  if (typeof p.os !== 'string' || !p.os || typeof p.architecture !== 'string' || !p.architecture) {
    throw invalidArgument(`invalid platform: "${v}": os and architecture are required, e.g. linux/amd64`);
  }
  return { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}) };
}

/** A tar answer (save, export): streamed to the client; a client that leaves ends it quietly. */
export async function sendTar(ctx: { res: ServerResponse; signal: AbortSignal }, tar: Readable): Promise<void> {
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await pipeline(tar, ctx.res, { signal: ctx.signal });
  } catch (err) {
    tar.destroy();
    if (!ctx.signal.aborted) throw err;
  }
}
