// `skiff compose build | pull | push`: the services' images, built through /build with the context packed
// as `skiff build` packs it, pulled and pushed through the daemon with the stored credentials.
import { CliError } from '../core.ts';
import type { ComposeCommand } from './compose.ts';
import { buildService, imageName, pullService, splitRef, startOrder } from '../../compose/ops/index.ts';

function chosen(project: { services: Record<string, unknown> }, names: string[]): string[] {
  for (const n of names) if (!project.services[n]) throw new CliError(`no such service: ${n}`, 1);
  return names;
}

export const build: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Build or rebuild services',
  flags: [
    { name: 'build-arg', type: 'list', value: 'stringArray', help: 'Set build-time variables for services' },
    { name: 'no-cache', type: 'bool', help: 'Do not use cache when building the image' },
    { name: 'pull', type: 'bool', help: 'Always attempt to pull a newer version of the image' },
    { name: 'quiet', short: 'q', type: 'bool', help: "Don't print anything to STDOUT" },
  ],
  async run(c, p) {
    const project = await c.project({ services: p.args });
    const ops = c.ops();
    const args: Record<string, string> = {};
    for (const a of p.list('build-arg')) {
      const eq = a.indexOf('=');
      if (eq < 0) {
        if (process.env[a] !== undefined) args[a] = process.env[a]!;
      } else args[a.slice(0, eq)] = a.slice(eq + 1);
    }
    for (const name of startOrder(project, chosen(project, p.args).length ? p.args : Object.keys(project.services))) {
      const s = project.services[name];
      if (!s.build) continue;
      await buildService(ops, project, { ...s, build: { ...s.build, args: { ...s.build.args, ...args } } }, { noCache: p.bool('no-cache'), pull: p.bool('pull') });
    }
  },
};

export const pull: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Pull service images',
  flags: [
    { name: 'ignore-buildable', type: 'bool', help: 'Ignore images that can be built' },
    { name: 'ignore-pull-failures', type: 'bool', help: 'Pull what it can and ignores images with pull failures' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Pull without printing progress information' },
  ],
  async run(c, p) {
    const project = await c.project();
    const ops = c.ops({ quietPull: p.bool('quiet') });
    for (const name of chosen(project, p.args).length ? p.args : Object.keys(project.services)) {
      const s = project.services[name];
      // a service without `image:` is built, not pulled
      if (!s.image || (s.build && p.bool('ignore-buildable'))) continue;
      try {
        await pullService(ops, s, s.image);
      } catch (err) {
        if (s.build) continue; // it can be built instead, as docker compose lets it pass
        if (!p.bool('ignore-pull-failures')) throw err;
        process.stderr.write(`${(err as Error).message}\n`);
      }
    }
  },
};

export const push: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Push service images',
  flags: [
    { name: 'ignore-push-failures', type: 'bool', help: 'Push what it can and ignores images with push failures' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Push without printing progress information' },
  ],
  async run(c, p) {
    const project = await c.project();
    const ops = c.ops({ quietPull: p.bool('quiet') });
    for (const name of chosen(project, p.args).length ? p.args : Object.keys(project.services)) {
      const s = project.services[name];
      if (!s.image) continue; // docker compose pushes only services with an image name
      const ref = imageName(project, s);
      const { fromImage, tag } = splitRef(ref);
      process.stderr.write(` ${name} Pushing\n`);
      try {
        const res = await ops.api.request('POST', `/images/${encodeURIComponent(fromImage)}/push`, { query: { tag }, headers: { 'X-Registry-Auth': ops.registryAuth(ref) } });
        await ops.showTransfer(res.body);
      } catch (err) {
        if (!p.bool('ignore-push-failures')) throw err;
        process.stderr.write(`${(err as Error).message}\n`);
        continue;
      }
      process.stderr.write(` ${name} Pushed\n`);
    }
  },
};
