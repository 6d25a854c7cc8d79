// `docker update` (POST /containers/{id}/update), `docker system df` (GET /system/df) and `docker builder
// prune` (POST /build/prune): shapes only; the engine checks the limits, measures the bytes, picks what to prune.
import type { HttpContext, Route } from './router.ts';
import type { BuildCacheRecord, ContainerUpdate, ImageRecord } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { nonEmptyString, optInt, optString, type Json } from './json-fields.ts';
import { dirSize } from '../../lib/disk-usage.ts';
import { queryBool, queryFilters, queryInt, readJson, sendJson } from './http.ts';
import { compareVersions } from './router.ts';
import { restartPolicy } from './create.ts';
import { containerSummary, imageSummary } from './inspect.ts';
import { volumeJson } from './volumes.ts';


const int = optInt;
const str = (v: unknown, field: string): string | undefined => nonEmptyString(optString(v, field));

/** The update body (docker's UpdateConfig: Resources + RestartPolicy) as a typed update; zeros mean "unchanged". */
export function updateFromDocker(body: unknown): ContainerUpdate {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument('update config: expected an object');
  const b = body as Json;
  const u: ContainerUpdate = {
    memory: int(b.Memory, 'Memory'),
    memorySwap: int(b.MemorySwap, 'MemorySwap'),
    nanoCpus: int(b.NanoCpus, 'NanoCpus'),
    cpuShares: int(b.CpuShares, 'CpuShares'),
    cpuQuota: int(b.CpuQuota, 'CpuQuota'),
    cpuPeriod: int(b.CpuPeriod, 'CpuPeriod'),
    cpusetCpus: str(b.CpusetCpus, 'CpusetCpus'),
    cpusetMems: str(b.CpusetMems, 'CpusetMems'),
    pidsLimit: int(b.PidsLimit, 'PidsLimit'),
    restartPolicy: b.RestartPolicy && (b.RestartPolicy as Json).Name ? restartPolicy(b.RestartPolicy) : undefined,
  };
  if ((u.memory ?? 0) < 0) throw invalidArgument('invalid memory limit: it cannot be negative');
  for (const k of Object.keys(u) as Array<keyof ContainerUpdate>) if (u[k] === undefined) delete u[k];
  return u;
}

async function update(ctx: HttpContext): Promise<void> {
  const u = updateFromDocker(await readJson(ctx.req, ctx.signal));
  const r = await ctx.engine.containers.update(ctx.params.id, u);
  sendJson(ctx.res, 200, { Warnings: r.warnings.length ? r.warnings : null });
}

/** Sizes of the images' layers: each unpacked layer dir measured once; shared = in more than one image. */
async function layerUsage(ctx: HttpContext, images: ImageRecord[]): Promise<{ perImage: Map<string, string[]>; size: Map<string, number>; users: Map<string, number> }> {
  const perImage = new Map<string, string[]>();
  const size = new Map<string, number>();
  const users = new Map<string, number>();
  for (const i of images) {
    const layers = await ctx.engine.images.layerPaths(i.id).catch(() => [] as string[]);
    perImage.set(i.id, layers);
    for (const l of layers) {
      users.set(l, (users.get(l) ?? 0) + 1);
      if (!size.has(l)) size.set(l, await dirSize(l));
    }
  }
  return { perImage, size, users };
}

async function systemDf(ctx: HttpContext): Promise<void> {
  const types = ctx.query.getAll('type');
  const want = (t: string) => !types.length || types.includes(t);
  const body: Json = {};
  const containers = await ctx.engine.containers.list({ all: true });
  if (want('image')) {
    const images = await ctx.engine.images.list();
    const { perImage, size, users } = await layerUsage(ctx, images);
    body.LayersSize = [...size.values()].reduce((a, b) => a + b, 0);
    body.Images = images.map((i) => {
      const layers = perImage.get(i.id) ?? [];
      const shared = layers.filter((l) => (users.get(l) ?? 0) > 1).reduce((a, l) => a + (size.get(l) ?? 0), 0);
      // measured like LayersSize, so the client's reclaimable (LayersSize minus the used images') adds up
      const measured = layers.reduce((a, l) => a + (size.get(l) ?? 0), 0);
      return { ...imageSummary(i, containers.filter((c) => c.imageId === i.id).length), Size: measured, SharedSize: shared };
    });
  }
  if (want('container')) {
    body.Containers = await Promise.all(containers.map(async (c) => {
      const s = await ctx.engine.containers.size(c.id);
      return { ...containerSummary(c), SizeRw: s.sizeRw, SizeRootFs: s.sizeRootFs };
    }));
  }
  if (want('volume')) {
    const volumes = await ctx.engine.volumes.list();
    body.Volumes = await Promise.all(volumes.map(async (v) =>
      volumeJson(v, await ctx.engine.volumes.size(v.name), ctx.engine.containers.volumeUsers(v.name).length)));
  }
  if (want('build-cache')) {
    const cache = await ctx.engine.builds.cache();
    body.BuildCache = cache.map(buildCacheJson);
    // dropped from the answer in API 1.42; older clients (docker SDK 5) still read it
    if (compareVersions(ctx.apiVersion, '1.42') < 0) body.BuilderSize = cache.reduce((a, c) => a + c.Size, 0);
  }
  sendJson(ctx.res, 200, body);
}

/** docker's BuildCache record (system df -v, builder du) */
function buildCacheJson(c: BuildCacheRecord): Json {
  return {
    ID: c.ID, Parents: null, Type: c.Type, Description: c.Description, InUse: c.InUse, Shared: c.Shared,
    Size: c.Size, CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt, UsageCount: c.UsageCount,
  };
}

/** `POST /build/prune` (docker builder prune, and system prune's last step): the engine picks and forgets. */
async function buildPrune(ctx: HttpContext): Promise<void> {
  for (const name of ['keep-storage', 'reserved-space', 'max-used-space', 'min-free-space']) {
    const v = queryInt(ctx.query, name);
    if (v !== undefined && v !== 0) throw invalidArgument(`${name} is not supported: prune all (--all) or by age (--filter until=24h)`);
  }
  const r = await ctx.engine.builds.prune({ all: queryBool(ctx.query, 'all'), filters: queryFilters(ctx.query) });
  sendJson(ctx.res, 200, { CachesDeleted: r.CachesDeleted.length ? r.CachesDeleted : null, SpaceReclaimed: r.SpaceReclaimed });
}

export const resourceRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/update', handle: update },
  { method: 'GET', path: '/system/df', handle: systemDf },
  { method: 'POST', path: '/build/prune', handle: buildPrune },
];
