// Exec sessions: a process run inside a running container by conmon (`--exec`), with the container's
// process spec as a template. With an attachment conmon waits for our connection before it runs the
// process (--exec-attach + start pipe), so no output is lost; the exit code comes on the sync pipe.
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attachment, ExecRecord, ExecSpec } from '../types.ts';
import { conflict, internal, invalidArgument, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { log, paths, type Ctx } from './context.ts';
import { buildExecProcess, type OciSpec } from './spec.ts';
import { resolveUserInRootfs } from './user.ts';
import { spawnConmon, startFailure } from './conmon.ts';
import { createAttachment, type PendingAttachment } from './attach.ts';
import { writeCtl } from './io.ts';
import { emitContainer } from './events.ts';

/** docker names the command in the action: `exec_start: sh -c true` */
const execAction = (what: string, cmd: string[]) => `${what}: ${cmd[0]} ${cmd.slice(1).join(' ')}`;

interface ExecSession {
  rec: ExecRecord;
  dir: string;
  started: boolean;
}

export interface ExecService {
  create(containerId: string, spec: ExecSpec): Promise<ExecRecord>;
  start(execId: string, opts: { detach: boolean; tty: boolean }): Promise<Attachment | null>;
  inspect(execId: string): ExecRecord;
  resize(execId: string, height: number, width: number): Promise<void>;
  /** forget a finished session (healthcheck probes: one every interval) */
  forget(execId: string): void;
  /** forget the sessions of a removed container */
  dropContainer(containerId: string): void;
}

export function createExecService(ctx: Ctx): ExecService {
  const sessions = new Map<string, ExecSession>();
  const find = (execId: string) => {
    const s = sessions.get(execId);
    if (!s) throw notFound(`No such exec instance: ${execId}`);
    return s;
  };
  const runningContainer = (id: string) => {
    const c = ctx.store.find(id);
    if (c.state.status === 'paused') throw conflict(`Container ${c.id} is paused, unpause the container before exec`);
    if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
    return c;
  };

  async function launch(s: ExecSession, attach: PendingAttachment | null): Promise<void> {
    const c = runningContainer(s.rec.containerId);
    const p = paths(ctx, c.id);
    const spec = s.rec.spec;
    const base = (JSON.parse(await readFile(join(p.bundle, 'config.json'), 'utf8')) as OciSpec);
    const user = spec.user ? await resolveUserInRootfs(base.root.path, spec.user) : null;
    const proc = buildExecProcess(base.process, spec, user, ctx.host.knownCaps);
    await mkdir(join(s.dir, 'exits'), { recursive: true });
    await writeFile(join(s.dir, 'process.json'), JSON.stringify(proc));
    const handle = spawnConmon(ctx.conmonPath, {
      id: c.id, uuid: s.rec.id, runtime: ctx.runtimeFor(c), bundle: s.dir, pidFile: join(s.dir, 'pid'), logPath: join(s.dir, 'exec.log'),
      exitDir: join(s.dir, 'exits'), socketDir: `${ctx.runRoot}/socket`, cwd: s.dir, terminal: spec.tty, stdin: spec.attachStdin && !!attach,
      leaveStdinOpen: false, exec: { processSpec: join(s.dir, 'process.json'), attach: !!attach },
    });
    try {
      if (attach) {
        // conmon reads the start pipe once before it forks, then again just before the runtime runs the process
        handle.start!.write('0');
        const ready = await readOne(handle.attach!);
        if (!ready) throw internal(`conmon did not open the exec attach socket: ${handle.stderr().trim()}`);
        await attach.connect(join(s.dir, 'attach'));
        handle.start!.write('0');
      }
      const first = await handle.sync.next();
      if (!first || first.data <= 0) {
        const raw = first?.message ?? (handle.stderr().trim() || 'conmon exited before the process started');
        const failure = startFailure(raw, spec.cmd[0]);
        s.rec.exitCode = failure.exitCode === 128 ? 126 : failure.exitCode;
        s.rec.running = false;
        throw failure.exitCode === 128 ? internal(`OCI runtime exec failed: ${failure.message}`) : invalidArgument(`OCI runtime exec failed: exec failed: unable to start container process: ${failure.message}: unknown`);
      }
      s.rec.pid = first.data;
      s.rec.running = true;
      emitContainer(ctx, c, execAction('exec_start', spec.cmd), { execID: s.rec.id });
      const done = handle.sync.next().then(async (m) => {
        s.rec.exitCode = m ? m.data : Number(await readFile(join(s.dir, 'exits', c.id), 'utf8').catch(() => '-1'));
        if (!Number.isInteger(s.rec.exitCode) || (s.rec.exitCode as number) < 0) s.rec.exitCode = 126;
        s.rec.running = false;
        emitContainer(ctx, c, 'exec_die', { execID: s.rec.id, exitCode: String(s.rec.exitCode) });
        handle.release();
        await rm(s.dir, { recursive: true, force: true });
      });
      attach?.holdEnd(done);
      done.catch((err) => log.warn('exec exit not read', { exec: s.rec.id, err }));
    } catch (err) {
      handle.release();
      attach?.abort();
      throw err;
    }
  }

  return {
    async create(containerId, spec) {
      const c = runningContainer(containerId);
      if (!spec.cmd.length) throw invalidArgument('No exec command specified');
      const id = newId();
      const rec: ExecRecord = { id, containerId: c.id, spec, running: false, exitCode: null, pid: 0 };
      sessions.set(id, { rec, dir: paths(ctx, c.id).execDir(id), started: false });
      emitContainer(ctx, c, execAction('exec_create', spec.cmd), { execID: id });
      return rec;
    },
    async start(execId, opts) {
      const s = find(execId);
      if (s.started) throw conflict(`Error: Exec command ${execId} has already run`);
      s.started = true;
      const spec = s.rec.spec;
      if (opts.tty !== undefined) spec.tty = opts.tty || spec.tty;
      const attach = opts.detach ? null : createAttachment({ stdin: spec.attachStdin, stdout: spec.attachStdout, stderr: spec.attachStderr, tty: spec.tty, detachKeys: spec.detachKeys });
      await launch(s, attach);
      return attach?.attachment ?? null;
    },
    inspect: (execId) => find(execId).rec,
    forget: (execId) => void sessions.delete(execId),
    async resize(execId, height, width) {
      const s = find(execId);
      if (!s.rec.running) throw conflict(`Exec ${execId} is not running`);
      await writeCtl(join(s.dir, 'ctl'), height, width);
    },
    dropContainer(containerId) {
      for (const [id, s] of sessions) if (s.rec.containerId === containerId) sessions.delete(id);
      rm(join(ctx.store.dir(containerId), 'exec'), { recursive: true, force: true }).catch(() => {});
    },
  };
}

function readOne(stream: NodeJS.ReadableStream): Promise<boolean> {
  return new Promise((resolve) => {
    stream.once('data', () => resolve(true));
    stream.once('end', () => resolve(false));
    stream.once('close', () => resolve(false));
  });
}
