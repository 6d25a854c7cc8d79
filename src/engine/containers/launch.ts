// Getting a container's conmon going. conmon takes ~10 ms to load and set itself up before it runs the
// runtime, so it is started early and held before it forks (_OCI_STARTPIPE, see conmon.ts):
//   - at `start`, while the rootfs is mounted and the bundle written;
//   - sooner still, right after `create` has answered: `docker run` sends attach and wait requests before
//     `start`, and a conmon held from then on is ready when `start` comes. A held conmon has made nothing
//     but the container's (empty) log file; it is killed if the container is removed, the engine closes,
//     or no `start` comes within a while.
// Should the engine die while a conmon is held, conmon goes on by itself (its start pipe closes): it then
// finds no bundle (start removes the previous one before it holds a conmon; a new container has none), so
// the runtime fails and conmon exits.
import { rm } from 'node:fs/promises';
import type { ContainerRecord } from '../types.ts';
import { spawnConmon, type ConmonHandle } from './conmon.ts';
import { log, paths, type Ctx } from './context.ts';

/** How long a conmon held after `create` waits for `start` before it is killed. */
const heldForMs = 10_000;

function launch(ctx: Ctx, rec: ContainerRecord): ConmonHandle {
  const p = paths(ctx, rec.id);
  return spawnConmon(ctx.conmonPath, {
    id: rec.id, uuid: rec.id, name: rec.name, runtime: ctx.runtimeFor(rec), bundle: p.bundle, pidFile: p.pidFile,
    conmonPidFile: p.conmonPidFile, logPath: rec.logPath, exitDir: `${ctx.runRoot}/exits`, socketDir: `${ctx.runRoot}/socket`,
    persistDir: p.userdata, cwd: p.userdata, ...(rec.spec.host.logConfig?.type === 'none' ? { logDriver: 'none' as const } : {}),
    terminal: rec.spec.tty, stdin: rec.spec.openStdin, leaveStdinOpen: !rec.spec.stdinOnce || rec.spec.tty,
  }, { deferStart: true });
}

/**
 * After `create` answered: hold a conmon for the coming `start`. Caller holds the lifecycle turn (so a
 * start queued first has already taken its own path).
 */
export function holdConmon(ctx: Ctx, rec: ContainerRecord): void {
  const l = ctx.live.get(rec.id);
  if (!l || l.held || rec.state.status !== 'created' || ctx.store.tryFind(rec.id) !== rec) return;
  try {
    const handle = launch(ctx, rec);
    const timer = setTimeout(() => dropHeldConmon(ctx, rec.id), heldForMs);
    timer.unref();
    l.held = { handle, timer };
  } catch (err) {
    log.debug('could not hold a conmon', { id: rec.id, err });
  }
}

/** Kill a held conmon, if any (container removed, engine closing, no start came). */
export function dropHeldConmon(ctx: Ctx, id: string): void {
  const l = ctx.live.get(id);
  if (!l?.held) return;
  clearTimeout(l.held.timer);
  l.held.handle.abort();
  l.held = null;
}

/**
 * The conmon for this start, held (not yet forked) until go(): the one held since `create` if it is still
 * alive, else a new one, started once the previous run's bundle and exit files are gone.
 */
export async function conmonForStart(ctx: Ctx, rec: ContainerRecord): Promise<ConmonHandle> {
  const l = ctx.live.get(rec.id);
  const held = l?.held;
  if (l && held) {
    clearTimeout(held.timer);
    l.held = null;
    if (held.handle.alive()) return held.handle;
    held.handle.abort();
  }
  const p = paths(ctx, rec.id);
  await Promise.all([
    rm(`${p.bundle}/config.json`, { force: true }),
    rm(p.exitFile, { force: true }), rm(p.oomFile, { force: true }), rm(`${p.userdata}/exit`, { force: true }),
  ]);
  return launch(ctx, rec);
}
