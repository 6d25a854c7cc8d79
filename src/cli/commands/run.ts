// `skiff run` and `skiff create`: docker's order of calls — create (pulling when the image is missing),
// attach and wait before start so no output and no exit is missed, start, stream, exit with the
// container's status. Errors before the process runs exit 125 (126/127 when the command cannot be run).
import { type Parsed, type Command, type Context, ApiError, CliError, startFailureCode, readAll, type ApiResponse, type Client, DEFAULT_DETACH_KEYS, pumpStreams, traceMark } from '../core.ts';
import { buildCreateRequest, createFlags, type CreateRequest } from './container-config.ts';

const runFlags = [
  ...createFlags,
  { name: 'detach', short: 'd', type: 'bool' as const, help: 'Run container in background and print container ID' },
  { name: 'detach-keys', type: 'string' as const, help: 'Override the key sequence for detaching a container' },
  { name: 'rm', type: 'bool' as const, help: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'sig-proxy', type: 'bool' as const, help: 'Proxy received signals to the process', def: 'true' },
].sort((a, b) => (a.name < b.name ? -1 : 1)); // not localeCompare: ICU start-up costs ~5 ms

/** A failure before the container's process runs: `skiff: <message>` + the --help pointer, as docker run prints it. */
function runFailure(ctx: Context, err: unknown, code = 125): CliError {
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(`skiff: ${message}\nSee '${ctx.path} --help'.`, code, { cause: err });
}

/** `busybox` → `busybox:latest` (the name docker reports when it has to pull). */
export function withTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return last.includes(':') ? ref : `${ref}:latest`;
}

async function pull(api: Client, ref: string): Promise<void> {
  const { pullImage } = await import('./registry.ts');
  await pullImage(api, withTag(ref), { out: process.stderr });
}

export async function createContainer(api: Client, req: CreateRequest): Promise<string> {
  const send = () => api.json<{ Id: string; Warnings?: string[] }>('POST', '/containers/create', { query: { name: req.name }, body: req.body });
  let res: { Id: string; Warnings?: string[] };
  try {
    res = await send();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404 && /No such image/i.test(err.detail))) throw err;
    process.stderr.write(`Unable to find image '${withTag(req.image)}' locally\n`);
    await pull(api, req.image);
    res = await send();
  }
  for (const w of res.Warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
  return res.Id;
}

/** Resolves once the daemon has answered the request's headers, or after `ms` (a daemon that holds them back). */
function headersOrTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      () => {
        clearTimeout(t);
        resolve();
      },
    );
  });
}

async function waitStatus(wait: Promise<ApiResponse>): Promise<number> {
  const res = await wait;
  const text = (await readAll(res.body)).toString('utf8');
  const r = JSON.parse(text) as { StatusCode: number; Error?: { Message?: string } | null };
  if (r.Error?.Message) process.stderr.write(`${r.Error.Message}\n`);
  return r.StatusCode;
}

async function runContainer(ctx: Context, p: Parsed): Promise<number> {
  const detach = p.bool('detach');
  const autoRemove = p.bool('rm');
  if (p.bool('tty') && p.bool('interactive') && !detach && !process.stdin.isTTY) throw new CliError('the input device is not a TTY', 1);
  const spec = { ...run, path: ctx.path };
  const req = buildCreateRequest(spec, p, { detach, autoRemove });
  const api = ctx.api();
  let id: string;
  try {
    id = await createContainer(api, req);
  } catch (err) {
    throw runFailure(ctx, err);
  }
  if (detach) {
    await startContainer(api, id, autoRemove, (err, code) => runFailure(ctx, err, code));
    process.stdout.write(`${id}\n`);
    return 0;
  }
  const sigProxy = !p.has('sig-proxy') || p.bool('sig-proxy');
  return startAttached(api, id, {
    tty: p.bool('tty'), interactive: p.bool('interactive'), detachKeys: p.str('detach-keys') ?? DEFAULT_DETACH_KEYS, autoRemove, sigProxy,
    fail: (err, code) => runFailure(ctx, err, code),
  });
}

/** Start a created container; a failure removes an auto-remove one and is reported through `fail`. */
async function startContainer(api: Client, id: string, autoRemove: boolean, fail: AttachedRun['fail']): Promise<void> {
  const path = `/containers/${id}`;
  try {
    await readAll((await api.request('POST', `${path}/start`)).body);
  } catch (err) {
    // the daemon removes an auto-remove container whose start failed; make sure nothing is left behind
    if (autoRemove) await api.request('DELETE', path, { query: { force: true } }).then((r) => readAll(r.body), () => undefined);
    throw fail(err, err instanceof ApiError ? startFailureCode(err.detail) : 125);
  }
}

export interface AttachedRun {
  tty: boolean;
  interactive: boolean;
  detachKeys: string;
  /** --rm: wait until the daemon has removed it */
  autoRemove: boolean;
  sigProxy: boolean;
  /** the error to throw for a failure to attach (code undefined) or to start */
  fail: (err: unknown, code?: number) => Error;
}

/** `docker run`'s attached path (also `compose run`): attach and wait, start, stream; returns the exit status. */
export async function startAttached(api: Client, id: string, o: AttachedRun): Promise<number> {
  const path = `/containers/${id}`;
  const { tty, interactive, detachKeys, autoRemove } = o;
  // attach and ask for the exit before starting, so no output and no quick exit is missed
  // (`removed` also waits out --rm); both requests are in flight at once
  const attaching = api.request('POST', `${path}/attach`, {
    query: { stream: true, stdin: interactive, stdout: true, stderr: true, detachKeys },
    hijack: true,
  });
  const wait = api.request('POST', `${path}/wait`, { query: { condition: autoRemove ? 'removed' : 'next-exit' } });
  wait.catch(() => undefined);
  let attach: ApiResponse;
  try {
    attach = await attaching;
  } catch (err) {
    throw o.fail(err);
  }
  await headersOrTimeout(wait, 2000);
  try {
    await startContainer(api, id, autoRemove, o.fail);
  } catch (err) {
    attach.socket.destroy();
    throw err;
  }
  const { detached } = await pumpStreams({
    res: attach,
    tty,
    stdin: interactive,
    detachKeys,
    resize: (h, w) => api.request('POST', `${path}/resize`, { query: { h, w } }).then((r) => readAll(r.body)),
    sigProxy: o.sigProxy ? (sig) => void api.request('POST', `${path}/kill`, { query: { signal: sig } }).then((r) => readAll(r.body), () => undefined) : undefined,
  });
  traceMark('output ended');
  if (detached) return 0;
  try {
    return await waitStatus(wait);
  } catch (err) {
    // the container went away under a `removed` wait (or the daemon restarted): ask for its last state
    if (err instanceof ApiError && err.status === 404) return 0;
    throw err;
  }
}

export const run: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  flags: runFlags,
  args: { min: 1 },
  interspersed: false,
  run: runContainer,
};

export const create: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  flags: createFlags,
  args: { min: 1 },
  interspersed: false,
  async run(ctx, p) {
    const req = buildCreateRequest({ ...create, path: ctx.path }, p, { detach: false, autoRemove: false });
    let id: string;
    try {
      id = await createContainer(ctx.api(), req);
    } catch (err) {
      throw runFailure(ctx, err);
    }
    process.stdout.write(`${id}\n`);
  },
};
