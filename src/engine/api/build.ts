// `POST /build` (docker's legacy builder endpoint): the query into a typed BuildRequest, the body (the
// context tar) onto disk through the build room, then the engine's messages streamed back one JSON line
// each, as dockerd sends them. What the builder does with the request is the engine's business.
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import type { HttpContext, Route } from './router.ts';
import type { BuildMessage, BuildRequest } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { dockerArch } from '../../lib/platform.ts';
import { receiveContext, type ReceivedContext } from '../build/context/index.ts';
import { toHttpError } from './errors.ts';
import { queryBool } from './http.ts';
import { registryConfigs } from './registry.ts';

/** The request's settings; the context directory comes once the body is received. */
export type BuildQuery = Omit<BuildRequest, 'contextDir'> & { dockerfileGiven: boolean };

/** docker's `POST /build` query parameters as typed values; a bad value fails before the body is read. */
export function buildQueryFromDocker(q: URLSearchParams): BuildQuery {
  refuseUnsupported(q);
  // the tags are checked by the builder, before any work (one rule, one place)
  const tags = q.getAll('t').filter((t) => t !== '');
  const forceRm = queryBool(q, 'forcerm');
  const dockerfile = q.get('dockerfile') ?? '';
  const network = q.get('networkmode') ?? '';
  const extraHosts = q.getAll('extrahosts').filter((h) => h !== '');
  const shmSize = queryBytes(q, 'shmsize');
  return {
    dockerfile: dockerfile || 'Dockerfile',
    dockerfileGiven: dockerfile !== '',
    tags,
    buildArgs: jsonMap(q.get('buildargs'), 'build args', true) as Record<string, string | null>,
    labels: jsonMap(q.get('labels'), 'labels', false) as Record<string, string>,
    target: q.get('target') || undefined,
    noCache: queryBool(q, 'nocache'),
    pull: queryBool(q, 'pull'),
    // forcerm implies rm; rm is on unless the client says otherwise (API ≥ 1.12)
    rm: forceRm || queryBool(q, 'rm', true),
    forceRm,
    networkMode: network === '' || network === 'default' ? undefined : network,
    ...(extraHosts.length ? { extraHosts } : {}),
    ...(shmSize !== undefined ? { shmSize } : {}),
    quiet: queryBool(q, 'q'),
  };
}

/** a byte count in the query (docker's Int64ValueOrZero): absent, empty or 0 → unset */
function queryBytes(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name) ?? '';
  if (raw === '' || raw === '0') return undefined;
  if (!/^\d+$/.test(raw)) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(raw)} is not a number of bytes`);
  return Number(raw);
}

/** `{"K":"V"}` (build args may also say `{"K":null}`: declared without a value) */
function jsonMap(raw: string | null, what: string, nullable: boolean): Record<string, string | null> {
  if (raw === null || raw === '' || raw === 'null') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(`error reading ${what}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidArgument(`error reading ${what}: expected a JSON object`);
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string' && !(nullable && v === null)) throw invalidArgument(`error reading ${what}: the value of ${JSON.stringify(k)} must be a string`);
  }
  return parsed as Record<string, string | null>;
}

/** what the legacy builder here does not do: refused by name rather than silently ignored */
function refuseUnsupported(q: URLSearchParams): void {
  const version = q.get('version') ?? '';
  // the docker CLI picks BuildKit only when /_ping says Builder-Version 2; ours says 1, so this is another client
  if (version === '2') throw invalidArgument('buildkit is not enabled on daemon');
  if (version !== '' && version !== '1') throw invalidArgument(`invalid version ${version}`);
  if (q.get('remote')) throw invalidArgument('building from a remote context (a URL or git repository) is not supported: send the context as a tar in the request body');
  checkPlatform(q.get('platform') ?? '');
  if (q.getAll('securityopt').some((s) => s !== '')) throw invalidArgument('The daemon on this platform does not support setting security options on build');
  if (queryBool(q, 'squash')) throw invalidArgument('squash is only supported with experimental mode');
  if (q.get('outputs')) throw invalidArgument('outputs are only supported with BuildKit (buildkit is not enabled on daemon)');
  const isolation = q.get('isolation') ?? '';
  if (isolation !== '' && isolation !== 'default') throw invalidArgument(`Unsupported isolation: ${JSON.stringify(isolation)}`);
  // the docker CLI always sends these, as zeros when unset; a limit for RUN steps is not applied yet
  for (const name of ['memory', 'memswap', 'cpushares', 'cpuquota', 'cpuperiod']) {
    const v = q.get(name);
    if (v !== null && v !== '' && v !== '0') throw invalidArgument(`${name} is not supported for builds yet: RUN steps run without resource limits`);
  }
  for (const name of ['cpusetcpus', 'cpusetmems', 'cgroupparent']) {
    if (q.get(name)) throw invalidArgument(`${name} is not supported for builds yet`);
  }
  const ulimits = q.get('ulimits') ?? '';
  if (ulimits !== '' && ulimits !== 'null' && ulimits !== '[]') throw invalidArgument('ulimits are not supported for builds yet');
  // cachefrom names images whose layers may serve as cache: only this engine's own step cache is used (as podman)
}

/** linux/amd64 (this machine's) is the one platform RUN steps can execute on */
function checkPlatform(p: string): void {
  if (p === '') return;
  const [os, arch = dockerArch(), variant] = p.toLowerCase().split('/');
  const native = dockerArch();
  const archOk = arch === native || (native === 'amd64' && arch === 'x86_64');
  if (os !== 'linux' || !archOk || (variant !== undefined && variant !== '')) {
    throw invalidArgument(`platform "${p}" is not supported: this daemon builds for linux/${native} only`);
  }
}

async function build(ctx: HttpContext): Promise<void> {
  let query: BuildQuery;
  let received: ReceivedContext;
  try {
    query = buildQueryFromDocker(ctx.query);
    const { root } = await ctx.engine.info(); // where the engine keeps its state, contexts included
    received = await receiveContext(ctx.req, root, ctx.signal);
  } catch (err) {
    // a client still sending its context would see a broken pipe instead of the answer: let it finish
    await drain(ctx.req);
    throw err;
  }
  try {
    const { dockerfileGiven, ...settings } = query;
    // docker's default: Dockerfile, else dockerfile, when the client named none
    if (!dockerfileGiven && !existsSync(join(received.dir, 'Dockerfile')) && existsSync(join(received.dir, 'dockerfile'))) settings.dockerfile = 'dockerfile';
    await runBuildStream(ctx, { ...settings, contextDir: received.dir, registryAuth: registryConfigs(ctx.req.headers['x-registry-config']) });
  } finally {
    await received.remove();
  }
}

/** Read and drop the rest of a request body (errors too: the answer that follows says what went wrong). */
async function drain(body: Readable): Promise<void> {
  try {
    for await (const _ of body) void _;
  } catch {
    // the client went away: there is no one to answer
  }
}

/**
 * The messages as they come (headers on the first), an error after that as the stream's last message. With
 * `q`, dockerd holds the output back and sends only the image id, or, on failure, what it held and the error.
 */
async function runBuildStream(ctx: HttpContext, req: BuildRequest): Promise<void> {
  const res = ctx.res;
  const held: BuildMessage[] = [];
  const send = (m: BuildMessage) => {
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(JSON.stringify(m) + '\n');
  };
  const emit = (m: BuildMessage) => (req.quiet ? held.push(m) : send(m));
  try {
    const result = await ctx.engine.builds.build(req, emit, ctx.signal);
    if (req.quiet) send({ stream: `${result.id}\n` });
  } catch (err) {
    if (ctx.signal.aborted) return; // the client went away: nobody is left to tell
    for (const m of held) send(m);
    if (!res.headersSent) throw err;
    send(errorMessage(err));
  }
  res.end();
}

/** docker's FormatError shape; a failed RUN's exit code goes in `code` (the docker CLI exits with it) */
export function errorMessage(err: unknown): BuildMessage {
  const { message } = toHttpError(err);
  const exitCode = (err as { exitCode?: unknown } | null)?.exitCode;
  const code = typeof exitCode === 'number' && Number.isInteger(exitCode) && exitCode > 0 ? exitCode : undefined;
  return { errorDetail: code === undefined ? { message } : { code, message }, error: message };
}

export const buildRoutes: Route[] = [{ method: 'POST', path: '/build', handle: build }];
