// Container events as docker logs them: attributes are the container's labels plus `image` (as the user
// named it) and `name`; actions that carry more (die, kill, rename, exec_*) add theirs.
import { constants } from 'node:os';
import type { ContainerRecord } from '../types.ts';
import type { Ctx } from './context.ts';

export function containerAttributes(rec: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(rec.spec.labels ?? {}), image: rec.imageRef, name: rec.name, ...extra };
}

/** What a healthcheck monitor does at each lifecycle moment (docker's initHealthMonitor/updateHealthMonitor). */
const healthFollows = { start: 'start', unpause: 'resume', die: 'stop', pause: 'stop', destroy: 'stop' } as const;

/**
 * Report `action` on `rec` to the engine's event sink (if there is one). The health monitor follows the
 * same moments: probing starts with `start`, pauses with `pause`, ends with `die`.
 */
export function emitContainer(ctx: Pick<Ctx, 'events' | 'health'>, rec: ContainerRecord, action: string, extra?: Record<string, string>): void {
  const follow = healthFollows[action as keyof typeof healthFollows];
  if (follow) ctx.health?.[follow](rec);
  ctx.events?.emit('container', action, { id: rec.id, attributes: containerAttributes(rec, extra) });
}

/** docker's kill event names the signal by number (`signal=15`) */
export function signalNumber(name: string): string {
  const n = (constants.signals as Record<string, number>)[`SIG${name.replace(/^SIG/i, '').toUpperCase()}`];
  return n === undefined ? name : String(n);
}

/**
 * A recorded exit: `oom` first when the kernel killed it, then `die` with its exit code and how many whole
 * seconds it ran (docker's order and attributes).
 */
export function emitExit(ctx: Pick<Ctx, 'events' | 'health'>, rec: ContainerRecord): void {
  if (rec.state.oomKilled) emitContainer(ctx, rec, 'oom');
  const ran = Date.parse(rec.state.finishedAt) - Date.parse(rec.state.startedAt);
  const execDuration = String(Number.isFinite(ran) && ran > 0 ? Math.floor(ran / 1000) : 0);
  emitContainer(ctx, rec, 'die', { exitCode: String(rec.state.exitCode), execDuration });
}
