// One service's containers brought to what the project says (the create half of `up`): the plan from
// plan.ts carried out through the API, each step reported as docker compose reports it.
import type { Project, Service } from '../types.ts';
import type { OpsContext } from './context.ts';
import { type ContainerSummary, containerNameOf, numberOf, projectContainers, removeContainer, stopContainer } from './docker.ts';
import { configHash } from './hash.ts';
import { containerLabels, containerName, imageName } from './names.ts';
import { planService, type Existing, type RecreatePolicy } from './plan.ts';
import { say } from './progress.ts';
import { createBody } from './spec.ts';
import { LABEL } from '../types.ts';

export interface ServiceContainer {
  id: string;
  name: string;
  service: string;
  /** running before this `up` and left alone */
  running: boolean;
  /** made again by this `up` (its configuration or image changed) */
  recreated?: boolean;
}

export function existingOf(c: ContainerSummary): Existing {
  return {
    id: c.Id,
    name: containerNameOf(c),
    number: numberOf(c),
    hash: c.Labels?.[LABEL.configHash] ?? '',
    imageId: c.ImageID,
    running: c.State === 'running' || c.State === 'restarting' || c.State === 'paused',
  };
}

/** Create, recreate and scale the service's containers; returns them (in number order), none started yet. */
export async function convergeService(ctx: OpsContext, project: Project, service: Service, imageId: string, policy: RecreatePolicy, timeout?: number): Promise<ServiceContainer[]> {
  if (service.containerName && service.scale > 1) throw new Error(`services.${service.name}: can't set container_name and scale to ${service.scale} as container name must be unique`);
  const existing = (await projectContainers(ctx.api, project.name, { services: [service.name] })).map(existingOf);
  const hash = configHash(service);
  const out: ServiceContainer[] = [];
  const stopTimeout = timeout ?? service.stopGracePeriod;
  for (const a of planService({ hash, imageId, scale: service.scale }, existing, policy)) {
    if (a.kind === 'remove') {
      await stopAndRemove(ctx, a.container.id, a.container.name, a.container.running, stopTimeout);
    } else if (a.kind === 'running' || a.kind === 'start') {
      if (a.kind === 'running') say(ctx, 'Container', a.container.name, 'Running');
      out.push({ id: a.container.id, name: a.container.name, service: service.name, running: a.kind === 'running' });
    } else if (a.kind === 'recreate') {
      say(ctx, 'Container', a.old.name, 'Recreate');
      if (a.old.running) await stopContainer(ctx.api, a.old.id, stopTimeout);
      await removeContainer(ctx.api, a.old.id, { force: true });
      const id = await createContainer(ctx, project, service, { number: a.old.number, hash, imageId });
      say(ctx, 'Container', a.old.name, 'Recreated');
      out.push({ id, name: a.old.name, service: service.name, running: false, recreated: true });
    } else {
      const name = containerName(project.name, service, a.number);
      say(ctx, 'Container', name, 'Creating');
      const id = await createContainer(ctx, project, service, { number: a.number, hash, imageId });
      say(ctx, 'Container', name, 'Created');
      out.push({ id, name, service: service.name, running: false });
    }
  }
  return out;
}

async function createContainer(ctx: OpsContext, project: Project, service: Service, o: { number: number; hash: string; imageId: string }): Promise<string> {
  const name = containerName(project.name, service, o.number);
  const labels = containerLabels(project, service, { ...o, oneoff: false, version: ctx.version });
  const body = createBody(project, service, { image: imageName(project, service), name, labels, networkModeContainer: await networkModeContainer(ctx, project, service) });
  const r = await ctx.api.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
  return r.Id;
}

/** `network_mode: service:X`: the id of X's first container (X comes first in the start order). */
export async function networkModeContainer(ctx: OpsContext, project: Project, service: Service): Promise<string | undefined> {
  const m = service.networkMode;
  if (!m?.startsWith('service:')) return undefined;
  const target = m.slice('service:'.length);
  const [first] = await projectContainers(ctx.api, project.name, { services: [target] });
  if (!first) throw new Error(`service "${service.name}" depends on service "${target}" for its network, which has no container`);
  return first.Id;
}

/** Stop (when running) and remove one container, with docker compose's four lines. */
export async function stopAndRemove(ctx: OpsContext, id: string, name: string, running: boolean, timeout?: number, volumes = false): Promise<void> {
  if (running) {
    say(ctx, 'Container', name, 'Stopping');
    await stopContainer(ctx.api, id, timeout);
    say(ctx, 'Container', name, 'Stopped');
  }
  say(ctx, 'Container', name, 'Removing');
  await removeContainer(ctx.api, id, { force: true, volumes });
  say(ctx, 'Container', name, 'Removed');
}
