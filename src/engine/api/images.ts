// Image routes: list, inspect, history, tag, remove, and /images/create (docker import; pull: registry.ts).
import { Transform } from 'node:stream';
import type { HttpContext, Route } from './router.ts';
import type { Digest, ImageRecord, ImportOptions } from '../types.ts';
import { invalidArgument, notFound } from '../../lib/errors.ts';
import { humanSize } from '../../lib/units.ts';
import { imageHistory, imageInspect, imageSummary } from './inspect.ts';
import { pruneImages } from '../images/index.ts';
import { sendJson, queryBool, queryFilters, queryPlatform, writeChunk } from './http.ts';
import { pullRoute } from './registry.ts';

async function list(ctx: HttpContext): Promise<void> {
  const filters = queryFilters(ctx.query) ?? {};
  const all = await ctx.engine.images.list();
  // an untagged image another one builds on is a build step's (docker's intermediate image): shown with all=1
  const parents = new Set(all.map((i) => i.parent).filter((p) => p !== undefined));
  const images = all.filter((i) => (queryBool(ctx.query, 'all') || i.repoTags.length > 0 || !parents.has(i.id)) && matchesFilters(i, filters, parents));
  sendJson(ctx.res, 200, images.map((i) => imageSummary(i)));
}

function matchesFilters(i: ImageRecord, f: Record<string, string[]>, parents: Set<Digest>): boolean {
  if (f.dangling?.length) {
    const want = f.dangling.includes('true') || f.dangling.includes('1');
    if ((i.repoTags.length === 0 && !parents.has(i.id)) !== want) return false;
  }
  if (f.reference?.length) {
    const names = i.repoTags.flatMap((t) => [t, t.slice(0, t.lastIndexOf(':'))]);
    if (!f.reference.some((pattern) => names.some((n) => globMatch(pattern, n)))) return false;
  }
  if (f.label?.length) {
    const labels = i.config.config.Labels ?? {};
    const ok = f.label.every((l) => {
      const [k, ...rest] = l.split('=');
      return rest.length ? labels[k] === rest.join('=') : k in labels;
    });
    if (!ok) return false;
  }
  return true;
}

/** path.Match-style globbing as docker's reference filter: `*` and `?` do not cross `/`. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(name);
}

async function inspect(ctx: HttpContext): Promise<void> {
  sendJson(ctx.res, 200, imageInspect(await ctx.engine.images.get(ctx.params.name), ctx.apiVersion));
}

async function history(ctx: HttpContext): Promise<void> {
  const img = await ctx.engine.images.get(ctx.params.name);
  // the images of the parent chain that are still here give their rows an id and tags, as docker shows a local build
  const chain: ImageRecord[] = [];
  for (let p = img.parent; p && chain.length < 1000; ) {
    const parent = await ctx.engine.images.get(p).catch(() => null);
    if (!parent) break;
    chain.push(parent);
    p = parent.parent;
  }
  sendJson(ctx.res, 200, imageHistory(img, chain));
}

async function tag(ctx: HttpContext): Promise<void> {
  const repo = ctx.query.get('repo') ?? '';
  if (!repo) throw invalidArgument('repository name must have at least one component');
  const t = ctx.query.get('tag') || 'latest';
  await ctx.engine.images.tag(ctx.params.name, `${repo}:${t}`);
  ctx.res.writeHead(201);
  ctx.res.end();
}

async function remove(ctx: HttpContext): Promise<void> {
  const removed = await ctx.engine.images.remove(ctx.params.name, {
    force: queryBool(ctx.query, 'force'),
    noPrune: queryBool(ctx.query, 'noprune'),
    isInUse: (id) => ctx.engine.containers.imageInUse(id),
  });
  sendJson(ctx.res, 200, removed);
}

/** `POST /images/create`: `fromSrc=-` imports the request body (a rootfs tar); `fromImage` pulls. */
async function createImage(ctx: HttpContext): Promise<void> {
  const q = ctx.query;
  const fromImage = q.get('fromImage');
  if (fromImage) return pullRoute(ctx, fromImage);
  const fromSrc = q.get('fromSrc');
  if (fromSrc !== '-') throw invalidArgument('importing from a URL is not supported yet: send the tar as the request body (docker import FILE)');
  const repo = q.get('repo') ?? '';
  const t = q.get('tag') ?? '';
  const opts: ImportOptions = {
    ref: repo ? (t ? `${repo}:${t}` : repo) : undefined,
    // each --change is its own `changes` value; older clients joined them with newlines
    changes: q.getAll('changes').flatMap((c) => c.split('\n')).filter((c) => c.trim() !== ''),
    message: q.get('message') || undefined,
    platform: queryPlatform(q),
  };

  const res = ctx.res;
  let received = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      cb(null, chunk);
    },
  });
  const onAbort = () => counted.destroy(new Error('the client went away'));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  ctx.req.on('error', (err) => counted.destroy(err));
  ctx.req.pipe(counted);
  // the head waits for the first progress line, so a quick failure still gets its proper status
  const line = (msg: unknown) => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
    return writeChunk(res, JSON.stringify(msg) + '\n', ctx.signal);
  };
  const progress = setInterval(() => {
    void line({ status: 'Importing', progressDetail: { current: received }, progress: `${humanSize(received)} received` });
  }, 1000);
  try {
    const image = await ctx.engine.images.importRootfs(counted, opts);
    await line({ status: image.id });
  } catch (err) {
    if (!res.headersSent) throw err;
    const message = err instanceof Error ? err.message : String(err);
    await line({ errorDetail: { message }, error: message });
  } finally {
    clearInterval(progress);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  res.end();
}


/** `POST /images/prune`: the engine picks and removes (dangling, or all unused with dangling=false). */
async function prune(ctx: HttpContext): Promise<void> {
  const inUse = (id: Digest) => ctx.engine.containers.imageInUse(id);
  sendJson(ctx.res, 200, await pruneImages(ctx.engine.images, queryFilters(ctx.query) ?? {}, inUse, ctx.engine.events));
}

export const imageRoutes: Route[] = [
  { method: 'POST', path: '/images/prune', handle: prune },
  { method: 'GET', path: '/images/json', handle: list },
  { method: 'POST', path: '/images/create', handle: createImage },
  { method: 'GET', path: '/images/:name+/json', handle: inspect },
  { method: 'GET', path: '/images/:name+/history', handle: history },
  { method: 'POST', path: '/images/:name+/tag', handle: tag },
  { method: 'DELETE', path: '/images/:name+', handle: remove },
];
