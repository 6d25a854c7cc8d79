// The images a project's services run: pulled through /images/create or built through /build (the context
// packed as `skiff build` packs it), as the service's pull_policy and `up --build/--no-build/--pull` ask.
import type { Project, Service } from '../types.ts';
import type { OpsContext } from './context.ts';
import { imageId } from './docker.ts';
import { imageName } from './names.ts';
import { say, sayService } from './progress.ts';

export interface ImageOptions {
  /** always: build every service that has `build:`; never: fail rather than build; missing: build what is absent */
  build: 'always' | 'never' | 'missing';
  /** --pull always: pull even a present image */
  pull?: 'always' | 'missing';
}

/** Each service's image id, pulling or building what is needed first. */
export async function ensureImages(ctx: OpsContext, project: Project, services: Service[], o: ImageOptions): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const s of services) {
    const ref = imageName(project, s);
    const known = seen.get(ref);
    if (known) {
      ids[s.name] = known;
      continue;
    }
    ids[s.name] = await ensureImage(ctx, project, s, o);
    seen.set(ref, ids[s.name]);
  }
  return ids;
}

async function ensureImage(ctx: OpsContext, project: Project, s: Service, o: ImageOptions): Promise<string> {
  const ref = imageName(project, s);
  if (s.build && o.build !== 'never' && (o.build === 'always' || s.pullPolicy === 'build')) return buildService(ctx, project, s);
  const pullAlways = s.pullPolicy === 'always' || o.pull === 'always';
  if (s.image && pullAlways) await pullService(ctx, s, ref);
  const have = await imageId(ctx.api, ref);
  if (have) return have;
  if (s.build) {
    if (o.build === 'never') throw new Error(`image ${ref} not found and --no-build is set for service ${s.name}`);
    return buildService(ctx, project, s);
  }
  if (s.pullPolicy === 'never') throw new Error(`Error response from daemon: No such image: ${ref}`);
  await pullService(ctx, s, ref);
  const pulled = await imageId(ctx.api, ref);
  if (!pulled) throw new Error(`Error response from daemon: No such image: ${ref}`);
  return pulled;
}

export async function pullService(ctx: OpsContext, s: Service, ref: string): Promise<void> {
  sayService(ctx, s.name, 'Pulling');
  const { fromImage, tag } = splitRef(ref);
  try {
    const res = await ctx.api.request('POST', '/images/create', { query: { fromImage, tag }, headers: { 'X-Registry-Auth': ctx.registryAuth(ref) } });
    await ctx.showTransfer(res.body);
  } catch (err) {
    sayService(ctx, s.name, 'Error');
    throw err;
  }
  sayService(ctx, s.name, 'Pulled');
}

/** Build the service's image (tagged `image:` or `<project>-<service>`); returns its id. */
export async function buildService(ctx: OpsContext, project: Project, s: Service, extra: { noCache?: boolean; pull?: boolean } = {}): Promise<string> {
  const b = s.build;
  if (!b) throw new Error(`service "${s.name}" has no build section`);
  const ref = imageName(project, s);
  say(ctx, 'Service', s.name, 'Building');
  const context = ctx.buildContext(b.context, b.dockerfile);
  const res = await ctx.api.request('POST', '/build', {
    query: {
      t: ref,
      dockerfile: context.dockerfile,
      buildargs: Object.keys(b.args).length ? JSON.stringify(b.args) : undefined,
      labels: Object.keys(b.labels).length ? JSON.stringify(b.labels) : undefined,
      target: b.target,
      networkmode: b.network,
      nocache: extra.noCache || b.noCache || undefined,
      pull: extra.pull || b.pull || undefined,
      cachefrom: b.cacheFrom.length ? JSON.stringify(b.cacheFrom) : undefined,
      version: '1',
    },
    body: context.stream,
  });
  const id = await ctx.showBuild(res.body);
  say(ctx, 'Service', s.name, 'Built');
  return id || ((await imageId(ctx.api, ref)) ?? '');
}

/** NAME[:TAG|@DIGEST] → /images/create's fromImage and tag */
export function splitRef(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { fromImage: ref, tag: 'latest' };
}
