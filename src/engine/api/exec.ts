// Exec routes: create a session in a running container, start it (hijacked like attach), resize, inspect.
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpContext, Route, StreamContext } from './router.ts';
import type { Attachment, Engine, ExecRecord, ExecSpec } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { optStrings, type Json } from './json-fields.ts';
import { readJson, sendEmpty, sendJson, queryInt, writeChunk } from './http.ts';
import { toHttpError } from './errors.ts';
import { pumpAttachment } from './hijack.ts';
import { frame, streamContentType } from '../../lib/stdcopy.ts';

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const strings = (v: unknown, field: string): string[] => optStrings(v, field) ?? [];
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export function execSpecFromDocker(body: unknown): ExecSpec {
  const b = obj(body);
  const cmd = strings(b.Cmd, 'Cmd');
  if (cmd.length === 0) throw invalidArgument('No exec command specified');
  return {
    cmd,
    env: strings(b.Env, 'Env'),
    workingDir: str(b.WorkingDir),
    user: str(b.User),
    tty: b.Tty === true,
    attachStdin: b.AttachStdin === true,
    attachStdout: b.AttachStdout === true,
    attachStderr: b.AttachStderr === true,
    privileged: b.Privileged === true,
    detachKeys: str(b.DetachKeys),
  };
}

async function create(ctx: HttpContext): Promise<void> {
  const spec = execSpecFromDocker(await readJson(ctx.req, ctx.signal));
  const rec = await ctx.engine.containers.execCreate(ctx.params.id, spec);
  sendJson(ctx.res, 201, { Id: rec.id });
}

async function start(ctx: StreamContext): Promise<void> {
  const body = obj(await ctx.conn.readJson());
  const rec = await ctx.engine.containers.execInspect(ctx.params.id);
  const tty = typeof body.Tty === 'boolean' ? body.Tty : rec.spec.tty;
  if (body.Detach === true) {
    await ctx.engine.containers.execStart(rec.id, { detach: true, tty });
    ctx.conn.respond(200);
    return;
  }
  // as docker: once the exec exists the connection is taken over, and a failure to start (command not
  // found, container stopped) is written into the stream; the exit code (126/127) comes from exec inspect
  const io = ctx.conn.open(streamContentType(tty));
  let att: Attachment | null;
  try {
    att = await ctx.engine.containers.execStart(rec.id, { detach: false, tty });
  } catch (err) {
    const text = Buffer.from(`${toHttpError(err).message}\r\n`);
    await writeChunk(io.output, tty ? text : frame('stdout', text), ctx.signal);
    ctx.conn.end();
    return;
  }
  if (att) await pumpAttachment(att, io, tty, ctx.signal);
  // the client asks for the exit code as soon as the stream ends: make sure it is recorded by then
  await settled(ctx.engine, rec.id, ctx.signal);
  ctx.conn.end();
}

async function settled(engine: Engine, execId: string, signal: AbortSignal): Promise<void> {
  for (let i = 0; i < 100 && !signal.aborted; i++) {
    const rec = await engine.containers.execInspect(execId).catch(() => undefined);
    if (!rec || !rec.running) return;
    await sleep(20, undefined, { signal }).catch(() => {});
  }
}

async function resize(ctx: HttpContext): Promise<void> {
  await ctx.engine.containers.execResize(ctx.params.id, queryInt(ctx.query, 'h') ?? 0, queryInt(ctx.query, 'w') ?? 0);
  sendEmpty(ctx.res, 200);
}

export function execInspectJson(rec: ExecRecord): Json {
  return {
    ID: rec.id,
    Running: rec.running,
    ExitCode: rec.exitCode,
    ProcessConfig: { tty: rec.spec.tty, entrypoint: rec.spec.cmd[0], arguments: rec.spec.cmd.slice(1), privileged: rec.spec.privileged, user: rec.spec.user ?? '' },
    OpenStdin: rec.spec.attachStdin,
    OpenStderr: rec.spec.attachStderr,
    OpenStdout: rec.spec.attachStdout,
    CanRemove: false,
    ContainerID: rec.containerId,
    DetachKeys: rec.spec.detachKeys ?? '',
    Pid: rec.pid,
  };
}

async function inspect(ctx: HttpContext): Promise<void> {
  sendJson(ctx.res, 200, execInspectJson(await ctx.engine.containers.execInspect(ctx.params.id)));
}

export const execRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/exec', handle: create },
  { method: 'POST', path: '/exec/:id/start', stream: start },
  { method: 'POST', path: '/exec/:id/resize', handle: resize },
  { method: 'GET', path: '/exec/:id/json', handle: inspect },
];
