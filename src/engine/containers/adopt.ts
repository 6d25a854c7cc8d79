// Re-adoption at engine start: containers run on under conmon while the engine is away. Each record that
// says running is checked against its conmon (alive: keep watching; an exit file: record that exit; gone
// without a word: exited 255, as docker marks lost containers), then restart policies are honoured.
import { readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { ContainerRecord } from '../types.ts';
import { log, paths, type Ctx } from './context.ts';
import { deleteStopped } from './runtime.ts';
import { restartOnBoot } from './restart.ts';
import { watchLogRotation } from './log-driver.ts';
import { exists, liveOf, newExitSignal, processExit, purgeRemoved, removeLocked, serialize } from './lifecycle.ts';
import { startLocked } from './start.ts';


function conmonAlive(pid: number, id: string): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // the pid may have been reused since: it must still be conmon for this container
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return cmdline.includes('conmon') && cmdline.includes(id);
  } catch {
    return false;
  }
}

/** At engine start: re-adopt running containers, record exits that happened meanwhile, honour restart policies. */
export async function adoptAll(ctx: Ctx, records: ContainerRecord[]): Promise<void> {
  for (const rec of await ctx.store.trashed()) {
    // its runtime state may be gone already (the crash came after the delete): purgeRemoved finishes the removal either way
    await deleteStopped(ctx.runtimeFor(rec), rec).catch((err) => log.debug('runtime state of a removed container', { id: rec.id, err }));
    await purgeRemoved(ctx, rec).catch((err) => log.warn('could not finish removing a container', { id: rec.id, err }));
  }
  const toStart: ContainerRecord[] = [];
  await Promise.all(records.map(async (rec) => {
    const p = paths(ctx, rec.id);
    const l = liveOf(ctx, rec.id);
    if (rec.state.status === 'running' || rec.state.status === 'paused') {
      const pid = Number(await readFile(p.conmonPidFile, 'utf8').catch(() => '0')) || 0;
      l.run++;
      newExitSignal(l);
      l.conmonPid = pid;
      l.startedMs = Date.parse(rec.state.startedAt) || Date.now();
      const exitFile = await exists(p.exitFile);
      if (!exitFile && conmonAlive(pid, rec.id)) {
        log.info('re-adopted running container', { id: rec.id.slice(0, 12), name: rec.name, conmon: pid });
        watchLogRotation(rec, p.ctlFifo);
        return;
      }
      if (!exitFile) {
        // conmon is gone without a word: docker marks such containers exited with 255
        log.warn('container lost while the engine was away', { id: rec.id.slice(0, 12), name: rec.name });
        await writeFile(`${p.userdata}/exit`, '255').catch(() => {});
      }
      l.markExited();
      await serialize(ctx, rec.id, () => processExit(ctx, rec, l.run));
      return;
    }
    if (rec.state.status === 'restarting' || rec.state.status === 'removing') {
      rec.state = { ...rec.state, status: 'exited' };
    }
    if (rec.state.status === 'exited' && rec.spec.host.autoRemove) {
      await serialize(ctx, rec.id, () => removeLocked(ctx, rec)).catch((err) => log.warn('could not remove --rm container', { id: rec.id, err }));
      return;
    }
    if (rec.state.status === 'exited' && restartOnBoot(rec.spec.host.restartPolicy, rec.state.exitCode, rec.state.stoppedByUser)) toStart.push(rec);
  }));
  for (const rec of toStart) {
    serialize(ctx, rec.id, () => startLocked(ctx, rec)).catch((err) => log.warn('restart at engine start failed', { id: rec.id, err }));
  }
}
