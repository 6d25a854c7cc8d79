// `GET /images/get`, `GET /images/{name}/get` (docker save) and `POST /images/load` (docker load), issue 10.
import { pipeline } from 'node:stream/promises';
import type { HttpContext, Route } from './router.ts';
import type { LoadOptions, SaveOptions, TransferProgress } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { queryBool, writeChunk } from './http.ts';

/** docker's `platform` query value: a JSON OCI platform (API 1.48+), or `os/arch[/variant]` */
function parsePlatform(v: string | null): SaveOptions['platform'] {
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
  if (typeof p.os !== 'string' || !p.os || typeof p.architecture !== 'string' || !p.architecture) throw invalidArgument(`invalid platform: "${v}": os and architecture are required`);
  return { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}) };
}

async function sendArchive(ctx: HttpContext, names: string[]): Promise<void> {
  const tar = await ctx.engine.images.save(names, { platform: parsePlatform(ctx.query.get('platform')) });
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await pipeline(tar, ctx.res, { signal: ctx.signal });
  } catch (err) {
    tar.destroy();
    if (!ctx.signal.aborted) throw err;
  }
}

/** the JSON message stream docker's load answers with: progress lines (unless quiet), then `{"stream":"Loaded image: …\n"}` */
async function load(ctx: HttpContext): Promise<void> {
  const quiet = queryBool(ctx.query, 'quiet');
  const opts: LoadOptions = { platform: parsePlatform(ctx.query.get('platform')), signal: ctx.signal };
  const res = ctx.res;
  // the head waits for the first line, so a bad archive (found before any layer moves) gets its proper status
  const line = (msg: unknown) => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
    return writeChunk(res, JSON.stringify(msg) + '\n', ctx.signal);
  };
  const progress = quiet ? undefined : (p: TransferProgress) => void line(p);
  try {
    const result = await ctx.engine.images.load(ctx.req, opts, progress);
    for (const m of result.messages) await line({ stream: `${m}\n` });
  } catch (err) {
    if (!res.headersSent) throw err;
    const message = err instanceof Error ? err.message : String(err);
    await line({ errorDetail: { message }, error: message });
  }
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end();
}

export const archiveRoutes: Route[] = [
  { method: 'GET', path: '/images/get', handle: (ctx) => sendArchive(ctx, ctx.query.getAll('names').filter((n) => n !== '')) },
  { method: 'GET', path: '/images/:name+/get', handle: (ctx) => sendArchive(ctx, [ctx.params.name]) },
  { method: 'POST', path: '/images/load', handle: load },
];
