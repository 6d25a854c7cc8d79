// Routes of a container's changes (issue 9): `GET /containers/{id}/changes` (docker diff),
// `POST /commit` (docker commit) and `GET /containers/{id}/export` (docker export).
import type { HttpContext, Route } from './router.ts';
import type { ImageConfig } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { queryBool, readJson, required, sendJson, sendTar } from './http.ts';

async function changes(ctx: HttpContext): Promise<void> {
  sendJson(ctx.res, 200, await ctx.engine.containers.changes(ctx.params.id));
}

/** the optional body: a container Config whose set fields replace the container's in the new image */
function commitConfig(body: unknown): ImageConfig['config'] | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('the commit body must be a container config object');
  const b = body as Record<string, unknown>;
  const strings = (k: string) => {
    const v = b[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidArgument(`${k} must be a list of strings`);
    return v as string[];
  };
  const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
  return {
    Cmd: strings('Cmd'), Entrypoint: strings('Entrypoint'), Env: strings('Env'),
    WorkingDir: str('WorkingDir'), User: str('User'), StopSignal: str('StopSignal'),
    Labels: b.Labels && typeof b.Labels === 'object' ? (b.Labels as Record<string, string>) : undefined,
    ExposedPorts: b.ExposedPorts && typeof b.ExposedPorts === 'object' ? (b.ExposedPorts as Record<string, object>) : undefined,
    Volumes: b.Volumes && typeof b.Volumes === 'object' ? (b.Volumes as Record<string, object>) : undefined,
  };
}

async function commit(ctx: HttpContext): Promise<void> {
  const q = ctx.query;
  const container = required(q, 'container');
  const repo = q.get('repo') ?? '';
  const tag = q.get('tag') ?? '';
  if (!repo && tag) throw invalidArgument('tag given without a repository name');
  const img = await ctx.engine.containers.commit(container, {
    ref: repo ? `${repo}:${tag || 'latest'}` : undefined,
    comment: q.get('comment') ?? undefined,
    author: q.get('author') ?? undefined,
    pause: queryBool(q, 'pause', true),
    changes: q.getAll('changes').filter((c) => c !== ''),
    config: commitConfig(await readJson(ctx.req, ctx.signal)),
  });
  sendJson(ctx.res, 201, { Id: img.id });
}

async function exportRootfs(ctx: HttpContext): Promise<void> {
  await sendTar(ctx, await ctx.engine.containers.export(ctx.params.id));
}

export const commitRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/changes', handle: changes },
  { method: 'GET', path: '/containers/:id/export', handle: exportRootfs },
  { method: 'POST', path: '/commit', handle: commit },
];
