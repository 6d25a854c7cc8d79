// `GET /images/get`, `GET /images/{name}/get` (docker save) and `POST /images/load` (docker load), issue 10.
import type { HttpContext, Route } from './router.ts';
import type { LoadOptions, TransferProgress } from '../types.ts';
import { queryBool, queryPlatform, sendTar, writeChunk } from './http.ts';

async function sendArchive(ctx: HttpContext, names: string[]): Promise<void> {
  await sendTar(ctx, await ctx.engine.images.save(names, { platform: queryPlatform(ctx.query) }));
}

/** the JSON message stream docker's load answers with: progress lines (unless quiet), then `{"stream":"Loaded image: …\n"}` */
async function load(ctx: HttpContext): Promise<void> {
  const quiet = queryBool(ctx.query, 'quiet');
  const opts: LoadOptions = { platform: queryPlatform(ctx.query), signal: ctx.signal };
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
