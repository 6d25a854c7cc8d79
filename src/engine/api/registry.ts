// Registry routes: `POST /images/create?fromImage=` (pull), `POST /images/{name}/push`, `POST /auth`. The
// credentials come as docker's X-Registry-Auth header (base64url JSON AuthConfig) or /auth's body; the
// transfer streams docker's JSON progress messages, and a failure after the first line is docker's
// `{"errorDetail":{"message":…},"error":…}` (before it, an ordinary HTTP error).
import type { HttpContext, Route } from './router.ts';
import type { PullOptions, RegistryAuth, TransferProgress } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { queryPlatform, readJson, sendJson, writeChunk } from './http.ts';

/** X-Registry-Auth: base64url (or plain base64, as older clients send) of an AuthConfig; absent or `{}`: anonymous */
export function registryAuth(header: string | string[] | undefined): RegistryAuth | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  } catch (err) {
    throw invalidArgument(`invalid X-Registry-Auth header: ${(err as Error).message}`, err);
  }
  return authShape(parsed);
}

/**
 * X-Registry-Config (the build's credentials): base64url JSON of a map registry → AuthConfig. A header that
 * does not decode means no credentials, as dockerd: a pull without auth is not an error either.
 */
export function registryConfigs(header: string | string[] | undefined): Record<string, RegistryAuth> {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  } catch {
    return {}; // dockerd ignores a bad header (the pull is then anonymous)
  }
  const out: Record<string, RegistryAuth> = {};
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return out;
  for (const [registry, v] of Object.entries(parsed)) {
    const auth = authShape(v);
    if (auth) out[registry] = auth;
  }
  return out;
}

function authShape(v: unknown): RegistryAuth | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const out: RegistryAuth = {};
  for (const k of ['username', 'password', 'auth', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
    if (typeof o[k] === 'string' && o[k]) out[k] = o[k];
  }
  return Object.keys(out).length ? out : undefined;
}


/** Run a transfer with its messages streamed as JSON lines; the head waits for the first one. */
async function streamTransfer(ctx: HttpContext, work: (progress: (p: TransferProgress) => void) => Promise<unknown[] | void>): Promise<void> {
  const res = ctx.res;
  let chain: Promise<unknown> = Promise.resolve();
  const line = (msg: unknown) => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
    chain = chain.then(() => writeChunk(res, JSON.stringify(msg) + '\n', ctx.signal));
  };
  try {
    const extra = await work(line);
    for (const m of extra ?? []) line(m);
  } catch (err) {
    if (!res.headersSent) throw err;
    const message = err instanceof Error ? err.message : String(err);
    line({ errorDetail: { message }, error: message });
  }
  await chain;
  res.end();
}

/** `/images/create?fromImage=NAME&tag=TAG|DIGEST&platform=os/arch` */
export async function pullRoute(ctx: HttpContext, fromImage: string): Promise<void> {
  const tag = ctx.query.get('tag');
  const ref = !tag ? fromImage : tag.includes(':') ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
  const opts: PullOptions = { auth: registryAuth(ctx.req.headers['x-registry-auth']), platform: queryPlatform(ctx.query), signal: ctx.signal };
  await streamTransfer(ctx, async (progress) => {
    await ctx.engine.images.pull(ref, opts, progress);
  });
}

/** `/images/{name}/push?tag=`: an empty tag pushes every tag of the repository */
async function push(ctx: HttpContext): Promise<void> {
  const tag = ctx.query.get('tag') ?? '';
  const name = ctx.params.name;
  const auth = registryAuth(ctx.req.headers['x-registry-auth']);
  await streamTransfer(ctx, async (progress) => {
    const results = await ctx.engine.images.push(tag ? `${name}:${tag}` : name, { auth, signal: ctx.signal, allTags: !tag }, progress);
    // docker's aux line: the client reads the pushed digest from it
    return results.map((r) => ({ progressDetail: {}, aux: { Tag: r.tag, Digest: r.digest, Size: r.size } }));
  });
}

/** `/auth`: check credentials against the registry (docker login) */
async function auth(ctx: HttpContext): Promise<void> {
  const body = authShape(await readJson(ctx.req, ctx.signal)) ?? {};
  await ctx.engine.images.login(body, ctx.signal);
  sendJson(ctx.res, 200, { Status: 'Login Succeeded', IdentityToken: '' });
}

export const registryRoutes: Route[] = [
  { method: 'POST', path: '/images/:name+/push', handle: push },
  { method: 'POST', path: '/auth', handle: auth },
];
