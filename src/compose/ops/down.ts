// `compose down`, `stop`, `start`, `restart`, `rm`: the project's containers found by their labels (so a
// half-made `up` is found too) and handled in reverse dependency order for stopping, in order for starting.
import type { Project } from '../types.ts';
import type { OpsContext } from './context.ts';
import { type ContainerSummary, containerNameOf, projectContainers, serviceOf, startContainer, stopContainer, statusOf } from './docker.ts';
import { stopAndRemove } from './converge.ts';
import { startOrder, withDependencies } from './graph.ts';
import { imageName } from './names.ts';
import { say } from './progress.ts';
import { removeNetworks, removeVolumes } from './resources.ts';
import { waitForDependencies } from './up.ts';

export interface DownOptions {
  /** -v: the named volumes too */
  volumes?: boolean;
  rmi?: 'local' | 'all';
  removeOrphans?: boolean;
  timeout?: number;
}

/**
 * The containers in waves to stop one after another, each wave stopped at once: a service's dependents in
 * earlier waves than it (its depth in the dependency graph decides), services the project does not know first.
 */
export function stopWaves(project: Project, containers: ContainerSummary[]): ContainerSummary[][] {
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const deps = Object.keys(project.services[name]?.dependsOn ?? {}).filter((d) => project.services[d]);
    const d = deps.length ? 1 + Math.max(...deps.map(depthOf)) : 0;
    depth.set(name, d);
    return d;
  };
  startOrder(project); // a cycle throws here rather than recursing forever
  const waves = new Map<number, ContainerSummary[]>();
  for (const c of containers) {
    const service = serviceOf(c);
    const d = project.services[service] ? depthOf(service) : Infinity;
    waves.set(d, [...(waves.get(d) ?? []), c]);
  }
  return [...waves.entries()].sort(([a], [b]) => b - a).map(([, cs]) => cs);
}

/** Containers sorted so dependents come before what they depend on (unknown services first). */
export function stopOrder(project: Project, containers: ContainerSummary[]): ContainerSummary[] {
  return stopWaves(project, containers).flat();
}

export async function down(ctx: OpsContext, project: Project, o: DownOptions = {}): Promise<void> {
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  const all = await projectContainers(ctx.api, project.name, { oneoff: 'include' });
  const orphans = all.filter((c) => !known.has(serviceOf(c)));
  if (orphans.length && !o.removeOrphans) {
    ctx.progress.write(`WARN[0000] Found orphan containers ([${orphans.map(containerNameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
  }
  const doomed = o.removeOrphans ? all : all.filter((c) => known.has(serviceOf(c)));
  for (const wave of stopWaves(project, doomed)) {
    await Promise.all(wave.map((c) => stopAndRemove(ctx, c.Id, containerNameOf(c), c.State === 'running' || c.State === 'paused', o.timeout ?? project.services[serviceOf(c)]?.stopGracePeriod)));
  }
  const networks = await removeNetworks(ctx, project.name);
  const volumes = o.volumes ? await removeVolumes(ctx, project.name) : 0;
  const images = o.rmi ? await removeImages(ctx, project, o.rmi) : 0;
  if (!doomed.length && !networks && !volumes && !images) ctx.progress.write(`Warning: No resource found to remove for project "${project.name}".\n`);
}

/** Returns how many went. */
async function removeImages(ctx: OpsContext, project: Project, which: 'local' | 'all'): Promise<number> {
  let n = 0;
  const refs = new Set<string>();
  for (const s of [...Object.values(project.services), ...Object.values(project.disabledServices)]) {
    if (which === 'all' || !s.image) refs.add(imageName(project, s));
  }
  for (const ref of refs) {
    say(ctx, 'Image', ref, 'Removing');
    try {
      await ctx.api.json('DELETE', `/images/${encodeURIComponent(ref)}`);
    } catch (err) {
      if (statusOf(err) === 404) continue; // never built or pulled
      throw err;
    }
    say(ctx, 'Image', ref, 'Removed');
    n++;
  }
  return n;
}

/** The containers of the named services (all when none are named), one-offs left out. */
async function selected(ctx: OpsContext, project: Project, services: string[]): Promise<ContainerSummary[]> {
  for (const n of services) if (!project.services[n] && !project.disabledServices[n]) throw new Error(`no such service: ${n}`);
  return projectContainers(ctx.api, project.name, { services });
}

export async function stop(ctx: OpsContext, project: Project, services: string[], timeout?: number): Promise<void> {
  const live = (await selected(ctx, project, services)).filter((c) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting');
  for (const wave of stopWaves(project, live)) {
    await Promise.all(wave.map(async (c) => {
      say(ctx, 'Container', containerNameOf(c), 'Stopping');
      await stopContainer(ctx.api, c.Id, timeout ?? project.services[serviceOf(c)]?.stopGracePeriod);
      say(ctx, 'Container', containerNameOf(c), 'Stopped');
    }));
  }
}

export async function start(ctx: OpsContext, project: Project, services: string[], pollMs = 500): Promise<void> {
  const containers = await selected(ctx, project, services);
  const names = withDependencies(project, services.filter((n) => project.services[n]), true);
  const order = startOrder(project, names);
  for (const name of order) {
    await waitForDependencies(ctx, project, name, new Set(order), pollMs);
    for (const c of containers.filter((x) => serviceOf(x) === name)) {
      if (c.State === 'running') continue;
      say(ctx, 'Container', containerNameOf(c), 'Starting');
      await startContainer(ctx.api, c.Id);
      say(ctx, 'Container', containerNameOf(c), 'Started');
    }
  }
}

export async function restart(ctx: OpsContext, project: Project, services: string[], timeout?: number): Promise<void> {
  const containers = await selected(ctx, project, services);
  for (const name of startOrder(project, Object.keys(project.services))) {
    for (const c of containers.filter((x) => serviceOf(x) === name)) {
      say(ctx, 'Container', containerNameOf(c), 'Restarting');
      await ctx.api.json('POST', `/containers/${c.Id}/restart`, { query: { t: timeout ?? project.services[name]?.stopGracePeriod } });
      say(ctx, 'Container', containerNameOf(c), 'Started');
    }
  }
}

/** `compose rm`: the stopped containers (with -s, stop them first); returns how many went. */
export async function rm(ctx: OpsContext, project: Project, services: string[], o: RmOptions = {}): Promise<number> {
  if (o.stop) await stop(ctx, project, services, o.timeout);
  const live = (c: ContainerSummary) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting';
  const doomed = stopOrder(project, await selected(ctx, project, services)).filter((c) => !live(c));
  if (!doomed.length) {
    ctx.progress.write('No stopped containers\n');
    return 0;
  }
  if (o.confirm && !(await o.confirm(doomed.map(containerNameOf)))) return 0;
  for (const c of doomed) await stopAndRemove(ctx, c.Id, containerNameOf(c), false, undefined, o.volumes);
  return doomed.length;
}

export interface RmOptions {
  /** -s: stop the running ones first */
  stop?: boolean;
  /** -v: their anonymous volumes too */
  volumes?: boolean;
  timeout?: number;
  /** asked with the names before anything goes (no -f); false keeps them */
  confirm?: (names: string[]) => Promise<boolean>;
}
