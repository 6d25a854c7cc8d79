// Volume routes: list, create, inspect, remove, prune (docker's shapes; the engine checks names and options).
import type { HttpContext, Route } from './router.ts';
import type { VolumeRecord } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { queryBool, queryFilters, readJson, sendEmpty, sendJson } from './http.ts';

/** docker's Volume object; UsageData only when measured (`?size=1`, `system df`). */
export function volumeJson(v: VolumeRecord, size?: number, refCount?: number): Record<string, unknown> {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: Object.keys(v.labels).length ? v.labels : null,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: Object.keys(v.options).length ? v.options : null,
    Scope: 'local',
    ...(size !== undefined ? { UsageData: { Size: size, RefCount: refCount ?? 0 } } : {}),
  };
}

async function list(ctx: HttpContext): Promise<void> {
  const volumes = await ctx.engine.volumes.list(queryFilters(ctx.query) ?? {});
  sendJson(ctx.res, 200, { Volumes: volumes.map((v) => volumeJson(v)), Warnings: null });
}

function stringMap(v: unknown, field: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((s) => typeof s === 'string')) {
    throw invalidArgument(`${field}: expected an object of strings`);
  }
  return v as Record<string, string>;
}

async function create(ctx: HttpContext): Promise<void> {
  const body = (await readJson(ctx.req, ctx.signal)) ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument('volume create: expected a JSON object');
  const b = body as Record<string, unknown>;
  for (const f of ['Name', 'Driver'] as const) if (b[f] != null && typeof b[f] !== 'string') throw invalidArgument(`${f}: expected a string`);
  const v = await ctx.engine.volumes.create({
    name: (b.Name as string | undefined) || undefined,
    driver: (b.Driver as string | undefined) || undefined,
    driverOpts: stringMap(b.DriverOpts, 'DriverOpts'),
    labels: stringMap(b.Labels, 'Labels'),
  });
  sendJson(ctx.res, 201, volumeJson(v));
}

async function inspect(ctx: HttpContext): Promise<void> {
  const v = await ctx.engine.volumes.inspect(ctx.params.name);
  if (!queryBool(ctx.query, 'size')) return sendJson(ctx.res, 200, volumeJson(v));
  const users = ctx.engine.containers.volumeUsers(v.name).length;
  sendJson(ctx.res, 200, volumeJson(v, await ctx.engine.volumes.size(v.name), users));
}

async function remove(ctx: HttpContext): Promise<void> {
  await ctx.engine.volumes.remove(ctx.params.name, { force: queryBool(ctx.query, 'force') });
  sendEmpty(ctx.res, 204);
}

async function prune(ctx: HttpContext): Promise<void> {
  sendJson(ctx.res, 200, await ctx.engine.volumes.prune(queryFilters(ctx.query) ?? {}));
}

export const volumeRoutes: Route[] = [
  { method: 'GET', path: '/volumes', handle: list },
  { method: 'POST', path: '/volumes/create', handle: create },
  { method: 'POST', path: '/volumes/prune', handle: prune },
  { method: 'GET', path: '/volumes/:name', handle: inspect },
  { method: 'DELETE', path: '/volumes/:name', handle: remove },
];
