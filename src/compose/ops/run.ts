// `compose run`: a one-off container of a service (`<project>-<service>-run-<id>`, labelled oneoff=True),
// its dependencies brought up first unless --no-deps.
import { randomBytes } from 'node:crypto';
import type { Project } from '../types.ts';
import type { OpsContext } from './context.ts';
import { configHash } from './hash.ts';
import { ensureImages } from './images.ts';
import { containerLabels, imageName, oneoffName } from './names.ts';
import { networkModeContainer } from './converge.ts';
import { ensureNetworks, ensureVolumes, resourcesOf } from './resources.ts';
import { createBody } from './spec.ts';
import { up } from './up.ts';

export interface RunOptions {
  service: string;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  noDeps?: boolean;
  name?: string;
  tty: boolean;
  interactive: boolean;
  /** --service-ports: publish the service's ports (off by default, as docker compose) */
  servicePorts?: boolean;
  user?: string;
  workdir?: string;
  build?: 'always' | 'never' | 'missing';
  /** --rm: the daemon removes it when it exits */
  autoRemove?: boolean;
  pollMs?: number;
}

/** Create the one-off container (not started); returns its id and name. */
export async function createOneoff(ctx: OpsContext, project: Project, o: RunOptions): Promise<{ id: string; name: string }> {
  const service = project.services[o.service] ?? project.disabledServices[o.service];
  if (!service) throw new Error(`no such service: ${o.service}`);
  const deps = Object.keys(service.dependsOn).filter((d) => project.services[d]);
  if (!o.noDeps && deps.length) await up(ctx, project, { services: deps, pollMs: o.pollMs });
  const [imageId] = Object.values(await ensureImages(ctx, project, [service], { build: o.build ?? 'missing' }));
  const { networks, volumes } = resourcesOf({ ...project, services: { ...project.services, [service.name]: service } }, [service.name]);
  await ensureNetworks(ctx, project, networks);
  await ensureVolumes(ctx, project, volumes);
  const name = o.name ?? oneoffName(project.name, service.name, randomBytes(6).toString('hex'));
  const shaped = { ...service, user: o.user ?? service.user, workingDir: o.workdir ?? service.workingDir };
  const labels = containerLabels(project, service, { number: 1, hash: configHash(service), imageId, oneoff: true, version: ctx.version });
  const body = createBody(project, shaped, {
    image: imageName(project, service), name, labels, command: o.command?.length ? o.command : undefined, entrypoint: o.entrypoint, env: o.env,
    tty: o.tty, stdinOpen: o.interactive, noPorts: !o.servicePorts, networkModeContainer: await networkModeContainer(ctx, project, service),
  });
  if (o.interactive) Object.assign(body, { AttachStdin: true, StdinOnce: true });
  if (o.autoRemove) body.HostConfig.AutoRemove = true;
  const r = await ctx.api.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
  return { id: r.Id, name };
}
