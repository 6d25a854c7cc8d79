// `compose up` / `create` / `start`: images first, then networks and volumes, then each service's containers
// converged in dependency order, then started in that order — each service only once the services it
// depends on are started, healthy or completed, as its depends_on condition asks.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../types.ts';
import type { OpsContext } from './context.ts';
import { containerNameOf, inspectContainer, projectContainers, serviceOf, startContainer } from './docker.ts';
import { convergeService, stopAndRemove, type ServiceContainer } from './converge.ts';
import { startOrder, withDependencies } from './graph.ts';
import { ensureImages } from './images.ts';
import type { RecreatePolicy } from './plan.ts';
import { say } from './progress.ts';
import { ensureNetworks, ensureVolumes, resourcesOf } from './resources.ts';

export interface UpOptions {
  services: string[];
  noDeps?: boolean;
  recreate?: RecreatePolicy;
  build?: 'always' | 'never' | 'missing';
  pull?: 'always' | 'missing';
  removeOrphans?: boolean;
  /** false: create only (`compose create`) */
  start?: boolean;
  /** --wait: return once every container is running (and healthy, when it has a healthcheck) */
  wait?: boolean;
  /** -t: seconds to wait for a container to stop when it is recreated or removed */
  timeout?: number;
  /** how often dependency conditions are polled (ms) */
  pollMs?: number;
}

/** Bring the project (or the named services and their dependencies) up; returns the containers, in start order. */
export async function up(ctx: OpsContext, project: Project, o: UpOptions): Promise<ServiceContainer[]> {
  const names = withDependencies(project, o.services, o.noDeps);
  const order = startOrder(project, names);
  await handleOrphans(ctx, project, o.removeOrphans ?? false, o.timeout);
  const ids = await ensureImages(ctx, project, order.map((n) => project.services[n]), { build: o.build ?? 'missing', pull: o.pull });
  const { networks, volumes } = resourcesOf(project, order);
  await ensureNetworks(ctx, project, networks);
  await ensureVolumes(ctx, project, volumes);
  const byService = new Map<string, ServiceContainer[]>();
  for (const name of order) {
    byService.set(name, await convergeService(ctx, project, project.services[name], ids[name], o.recreate ?? 'diverged', o.timeout));
  }
  if (o.start === false) return order.flatMap((n) => byService.get(n) ?? []);
  const recreated = new Set(order.filter((n) => byService.get(n)?.some((c) => c.recreated)));
  const start = async (name: string) => {
    await startService(ctx, project, name, byService.get(name) ?? [], new Set(order), o.pollMs ?? 500);
    // depends_on.restart: a dependency made again restarts the containers of this service left running
    const deps = Object.entries(project.services[name].dependsOn).filter(([d, x]) => x.restart && recreated.has(d));
    if (deps.length) await restartRunning(ctx, byService.get(name) ?? [], project.services[name].stopGracePeriod);
  };
  await startAll(order, start, project);
  const all = order.flatMap((n) => byService.get(n) ?? []);
  if (o.wait) await Promise.all(all.map((c) => waitHealthy(ctx, c.name, c.id, o.pollMs ?? 500, 'wait')));
  return all;
}

/**
 * Run `start` for every service at once, each only after the services it depends on (among `order`) have
 * finished theirs — docker compose's graph traversal; the first failure is the result (the rest finish).
 */
export async function startAll(order: string[], start: (name: string) => Promise<void>, project: Project): Promise<void> {
  const done = new Map<string, Promise<void>>();
  for (const name of order) {
    const deps = Object.keys(project.services[name]?.dependsOn ?? {}).map((d) => done.get(d)).filter((p) => p !== undefined);
    done.set(name, Promise.all(deps).then(() => start(name)));
  }
  const results = await Promise.allSettled(done.values());
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function startService(ctx: OpsContext, project: Project, name: string, containers: ServiceContainer[], inPlay: Set<string>, pollMs: number): Promise<void> {
  await waitForDependencies(ctx, project, name, inPlay, pollMs);
  await Promise.all(containers.filter((c) => !c.running).map(async (c) => {
    say(ctx, 'Container', c.name, 'Starting');
    await startContainer(ctx.api, c.id);
    say(ctx, 'Container', c.name, 'Started');
  }));
}

async function restartRunning(ctx: OpsContext, containers: ServiceContainer[], timeout?: number): Promise<void> {
  for (const c of containers.filter((x) => x.running)) {
    say(ctx, 'Container', c.name, 'Restarting');
    await ctx.api.json('POST', `/containers/${c.id}/restart`, { query: { t: timeout } });
    say(ctx, 'Container', c.name, 'Started');
  }
}

/** Containers of services the project no longer has: removed with --remove-orphans, otherwise docker compose's warning. */
async function handleOrphans(ctx: OpsContext, project: Project, remove: boolean, timeout?: number): Promise<void> {
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  const orphans = (await projectContainers(ctx.api, project.name)).filter((c) => !known.has(serviceOf(c)));
  if (!orphans.length) return;
  if (!remove) {
    ctx.progress.write(`WARN[0000] Found orphan containers ([${orphans.map(containerNameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
    return;
  }
  for (const c of orphans) await stopAndRemove(ctx, c.Id, containerNameOf(c), c.State === 'running', timeout);
}

/** Block until every dependency of `service` (among those being brought up) meets its condition. */
export async function waitForDependencies(ctx: OpsContext, project: Project, service: string, inPlay: Set<string>, pollMs: number): Promise<void> {
  for (const [dep, d] of Object.entries(project.services[service].dependsOn)) {
    if (!inPlay.has(dep) || d.condition === 'service_started') continue;
    for (const c of await projectContainers(ctx.api, project.name, { services: [dep] })) {
      const name = containerNameOf(c);
      if (d.condition === 'service_healthy') await waitHealthy(ctx, name, c.Id, pollMs, 'dependency');
      else await waitCompleted(ctx, dep, name, c.Id, pollMs);
    }
  }
}

/**
 * Poll the container's Health until healthy. `dependency`: a healthcheck is required and failures read as
 * docker compose's dependency errors; `wait` (up --wait): a container without one only needs to run.
 */
async function waitHealthy(ctx: OpsContext, name: string, id: string, pollMs: number, why: 'dependency' | 'wait'): Promise<void> {
  say(ctx, 'Container', name, 'Waiting');
  const fail = (what: string) => new Error(why === 'dependency' ? `dependency failed to start: container ${name} ${what}` : `container ${name} ${what}`);
  for (;;) {
    const info = await inspectContainer(ctx.api, id);
    const health = info.State.Health?.Status;
    if (!health || health === 'none') {
      if (why === 'dependency') throw fail('has no healthcheck configured');
      if (!info.State.Running) throw fail(`exited (${info.State.ExitCode})`);
      say(ctx, 'Container', name, 'Running');
      return;
    }
    if (health === 'healthy') break;
    if (health === 'unhealthy') throw fail('is unhealthy');
    if (!info.State.Running && info.State.Status !== 'created') throw fail(`exited (${info.State.ExitCode})`);
    await sleep(pollMs);
  }
  say(ctx, 'Container', name, 'Healthy');
}

async function waitCompleted(ctx: OpsContext, service: string, name: string, id: string, pollMs: number): Promise<void> {
  say(ctx, 'Container', name, 'Waiting');
  for (;;) {
    const info = await inspectContainer(ctx.api, id);
    if (info.State.Status === 'exited' || info.State.Status === 'dead') {
      if (info.State.ExitCode !== 0) throw new Error(`service "${service}" didn't complete successfully: exit ${info.State.ExitCode}`);
      say(ctx, 'Container', name, 'Exited');
      return;
    }
    await sleep(pollMs);
  }
}
