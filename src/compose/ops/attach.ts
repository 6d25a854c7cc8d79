// `compose up` without -d: follow every container's output, prefixed, until they have all exited (or the
// caller aborts: Ctrl-C stops the services, and their exits end the streams).
import type { OpsContext } from './context.ts';
import type { ServiceContainer } from './converge.ts';
import { inspectContainer, type ContainerSummary } from './docker.ts';
import { prefixer, shortName, streamLogs } from './logs.ts';

export interface AttachOptions {
  color: boolean;
  /** aborting stops following (the containers keep running) */
  signal?: AbortSignal;
  /** told of each exit, as it happens (`--abort-on-container-exit`) */
  onExit?: (service: string, code: number) => void;
}

/** Returns the exit code of the first container that failed (0 when all ended well). */
export async function attach(ctx: OpsContext, containers: ServiceContainer[], o: AttachOptions): Promise<number> {
  const summaries: ContainerSummary[] = [];
  for (const c of containers) {
    const info = await inspectContainer(ctx.api, c.id);
    summaries.push({ Id: c.id, Names: [info.Name], Labels: info.Config.Labels, Image: info.Config.Image, ImageID: info.Image, Command: '', Created: 0, State: info.State.Status, Status: '' });
  }
  const p = prefixer(summaries.map(shortName), o.color);
  ctx.out.write(`Attaching to ${summaries.map(shortName).join(', ')}\n`);
  let firstFailure = 0;
  await Promise.all(summaries.map(async (s, i) => {
    const fresh = !containers[i].running;
    await streamLogs(ctx, s, p, { follow: true, tail: fresh ? 'all' : '0' }, o.signal);
    if (o.signal?.aborted) return;
    const { StatusCode } = await ctx.api.json<{ StatusCode: number }>('POST', `/containers/${s.Id}/wait`);
    if (StatusCode !== 0 && !firstFailure) firstFailure = StatusCode;
    o.onExit?.(containers[i].service, StatusCode);
    ctx.out.write(`${shortName(s)} exited with code ${StatusCode}\n`);
  }));
  return firstFailure;
}
