// GET /events: docker's event stream, one JSON object per line, each written (and so flushed) as it
// happens; past events first when since/until ask for them; it ends at `until` or when the client goes.
import type { HttpContext, Route } from './router.ts';
import type { EventMessage } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { queryFilters, writeChunk } from './http.ts';
import { checkEventFilters } from '../events/index.ts';

/** docker's timestamp query value (`1700000000.123456789`, as the docker CLI sends; RFC 3339 too) in unix ns. */
export function parseEventTime(v: string | null): bigint | undefined {
  if (v === null || v === '') return undefined;
  const m = /^(-?\d+)(?:\.(\d{1,9})\d*)?$/.exec(v);
  if (m) return BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw invalidArgument(`invalid timestamp: ${JSON.stringify(v)}`);
  // Date keeps milliseconds: take the digits after them from the text
  const frac = /\.(\d+)/.exec(v)?.[1] ?? '';
  return BigInt(ms) * 1_000_000n + BigInt(frac.slice(3, 9).padEnd(6, '0'));
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** One line of the stream, fields in docker's order, timeNano as an exact integer. */
export function encodeEvent(m: EventMessage): string {
  return JSON.stringify({
    ...(m.status !== undefined ? { status: m.status } : {}),
    ...(m.id !== undefined ? { id: m.id } : {}),
    ...(m.from !== undefined ? { from: m.from } : {}),
    Type: m.Type, Action: m.Action, Actor: m.Actor, scope: m.scope, time: m.time, timeNano: rawJson(m.timeNano.toString()),
  }) + '\n';
}

async function events(ctx: HttpContext): Promise<void> {
  const sinceText = ctx.query.get('since');
  const untilText = ctx.query.get('until');
  const since = parseEventTime(sinceText);
  const until = parseEventTime(untilText);
  if (since !== undefined && until !== undefined && until < since) {
    throw invalidArgument(`\`since\` time (${sinceText}) cannot be after \`until\` time (${untilText})`);
  }
  const filters = queryFilters(ctx.query);
  if (filters) checkEventFilters(filters);
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  for await (const m of ctx.engine.events.watch({ since, until, filters }, ctx.signal)) {
    if (!(await writeChunk(ctx.res, encodeEvent(m), ctx.signal))) break;
  }
  ctx.res.end();
}

export const eventRoutes: Route[] = [{ method: 'GET', path: '/events', handle: events }];
