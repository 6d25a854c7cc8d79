// Container lifecycle routes: create, list, inspect, start/stop/…, remove, rename, wait, attach, resize, prune.
import type { HttpContext, Route, StreamContext } from './router.ts';
import type { ContainerRecord } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { containerSpecFromDocker, validateContainerName } from './create.ts';
import { containerInspect, containerSummary } from './inspect.ts';
import { readJson, sendEmpty, sendJson, queryBool, queryInt, queryFilters, required } from './http.ts';
import { pumpAttachment } from './hijack.ts';
import { streamContentType } from '../../lib/stdcopy.ts';

const isUp = (r: ContainerRecord) => r.state.status === 'running' || r.state.status === 'paused' || r.state.status === 'restarting';

async function create(ctx: HttpContext): Promise<void> {
  const { spec, warnings } = containerSpecFromDocker(await readJson(ctx.req, ctx.signal), ctx.query.get('name'));
  const record = await ctx.engine.containers.create(spec);
  sendJson(ctx.res, 201, { Id: record.id, Warnings: warnings });
}

async function list(ctx: HttpContext): Promise<void> {
  const q = ctx.query;
  const filters = queryFilters(q) ?? {};
  // old clients send before/since as their own parameters
  for (const key of ['before', 'since'] as const) {
    const v = q.get(key);
    if (v) filters[key] = [...(filters[key] ?? []), v];
  }
  const limit = queryInt(q, 'limit');
  const records = await ctx.engine.containers.list({
    all: queryBool(q, 'all'),
    filters: Object.keys(filters).length ? filters : undefined,
    limit: limit !== undefined && limit > 0 ? limit : undefined,
  });
  if (!queryBool(q, 'size')) return sendJson(ctx.res, 200, records.map((r) => containerSummary(r, ctx.engine.networks.containerState(r.id))));
  // `docker ps -s`: bytes in the writable layer, and with the image's (the engine measures them)
  const sizes = await Promise.all(records.map((r) => ctx.engine.containers.size(r.id).catch(() => ({ sizeRw: 0, sizeRootFs: 0 })))); // removed meanwhile
  sendJson(ctx.res, 200, records.map((r, i) => ({ ...containerSummary(r, ctx.engine.networks.containerState(r.id)), SizeRw: sizes[i].sizeRw, SizeRootFs: sizes[i].sizeRootFs })));
}

async function inspect(ctx: HttpContext): Promise<void> {
  const r = await ctx.engine.containers.get(ctx.params.id);
  const image = await ctx.engine.images.get(r.imageId).catch(() => undefined);
  sendJson(ctx.res, 200, containerInspect(r, image?.config, ctx.engine.networks.containerState(r.id)));
}

async function start(ctx: HttpContext): Promise<void> {
  const r = await ctx.engine.containers.get(ctx.params.id);
  // docker answers 304 Not Modified when the container is already in the asked-for state
  if (r.state.status === 'running') return sendEmpty(ctx.res, 304);
  await ctx.engine.containers.start(r.id);
  sendEmpty(ctx.res, 204);
}

function stopOptions(q: URLSearchParams): { timeoutSec?: number; signal?: string } {
  const t = queryInt(q, 't');
  const signal = q.get('signal') || undefined;
  return { ...(t !== undefined ? { timeoutSec: t } : {}), ...(signal ? { signal } : {}) };
}

async function stop(ctx: HttpContext): Promise<void> {
  const r = await ctx.engine.containers.get(ctx.params.id);
  if (!isUp(r)) return sendEmpty(ctx.res, 304);
  await ctx.engine.containers.stop(r.id, stopOptions(ctx.query));
  sendEmpty(ctx.res, 204);
}

async function restart(ctx: HttpContext): Promise<void> {
  await ctx.engine.containers.restart(ctx.params.id, stopOptions(ctx.query));
  sendEmpty(ctx.res, 204);
}

async function kill(ctx: HttpContext): Promise<void> {
  await ctx.engine.containers.kill(ctx.params.id, ctx.query.get('signal') || undefined);
  sendEmpty(ctx.res, 204);
}

async function pause(ctx: HttpContext): Promise<void> {
  await ctx.engine.containers.pause(ctx.params.id);
  sendEmpty(ctx.res, 204);
}

async function unpause(ctx: HttpContext): Promise<void> {
  await ctx.engine.containers.unpause(ctx.params.id);
  sendEmpty(ctx.res, 204);
}

async function remove(ctx: HttpContext): Promise<void> {
  if (queryBool(ctx.query, 'link')) throw invalidArgument('links are not supported');
  await ctx.engine.containers.remove(ctx.params.id, { force: queryBool(ctx.query, 'force'), volumes: queryBool(ctx.query, 'v') });
  sendEmpty(ctx.res, 204);
}

async function rename(ctx: HttpContext): Promise<void> {
  const name = validateContainerName(required(ctx.query, 'name'));
  await ctx.engine.containers.rename(ctx.params.id, name);
  sendEmpty(ctx.res, 204);
}

const waitConditions = ['not-running', 'next-exit', 'removed'] as const;
type WaitCondition = (typeof waitConditions)[number];

/**
 * The docker CLI sends wait before start and only then starts the container, so the condition is armed and
 * the 200 header flushed at once; the body (exit code) follows when the condition holds.
 */
async function wait(ctx: HttpContext): Promise<void> {
  const raw = ctx.query.get('condition') || 'not-running';
  if (!waitConditions.includes(raw as WaitCondition)) throw invalidArgument(`invalid condition: "${raw}"`);
  const r = await ctx.engine.containers.get(ctx.params.id);
  const result = ctx.engine.containers.wait(r.id, raw as WaitCondition, ctx.signal);
  result.catch(() => {}); // observed below; keeps an early rejection from being "unhandled"
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  let body: { StatusCode: number; Error: { Message: string } | null };
  try {
    const w = await result;
    body = { StatusCode: w.StatusCode, Error: w.Error ?? null };
  } catch (err) {
    if (ctx.signal.aborted) return;
    body = { StatusCode: -1, Error: { Message: err instanceof Error ? err.message : String(err) } };
  }
  ctx.res.end(JSON.stringify(body) + '\n');
}

async function attach(ctx: StreamContext): Promise<void> {
  const q = ctx.query;
  const r = await ctx.engine.containers.get(ctx.params.id);
  const att = await ctx.engine.containers.attach(r.id, {
    stdin: queryBool(q, 'stdin'),
    stdout: queryBool(q, 'stdout'),
    stderr: queryBool(q, 'stderr'),
    logs: queryBool(q, 'logs'),
    stream: queryBool(q, 'stream'),
    detachKeys: q.get('detachKeys') || undefined,
  });
  const io = ctx.conn.open(streamContentType(r.spec.tty));
  await pumpAttachment(att, io, r.spec.tty, ctx.signal);
  ctx.conn.end();
}

async function resize(ctx: HttpContext): Promise<void> {
  const h = queryInt(ctx.query, 'h') ?? 0;
  const w = queryInt(ctx.query, 'w') ?? 0;
  await ctx.engine.containers.resize(ctx.params.id, h, w);
  sendEmpty(ctx.res, 200);
}

async function prune(ctx: HttpContext): Promise<void> {
  const result = await ctx.engine.containers.prune(queryFilters(ctx.query));
  sendJson(ctx.res, 200, { ContainersDeleted: result.ContainersDeleted.length ? result.ContainersDeleted : null, SpaceReclaimed: result.SpaceReclaimed });
}

export const containerRoutes: Route[] = [
  { method: 'POST', path: '/containers/create', handle: create },
  { method: 'GET', path: '/containers/json', handle: list },
  { method: 'POST', path: '/containers/prune', handle: prune },
  { method: 'GET', path: '/containers/:id/json', handle: inspect },
  { method: 'POST', path: '/containers/:id/start', handle: start },
  { method: 'POST', path: '/containers/:id/stop', handle: stop },
  { method: 'POST', path: '/containers/:id/restart', handle: restart },
  { method: 'POST', path: '/containers/:id/kill', handle: kill },
  { method: 'POST', path: '/containers/:id/pause', handle: pause },
  { method: 'POST', path: '/containers/:id/unpause', handle: unpause },
  { method: 'DELETE', path: '/containers/:id', handle: remove },
  { method: 'POST', path: '/containers/:id/rename', handle: rename },
  { method: 'POST', path: '/containers/:id/wait', handle: wait },
  { method: 'POST', path: '/containers/:id/attach', stream: attach },
  { method: 'POST', path: '/containers/:id/resize', handle: resize },
];
