// `skiff compose exec | run`: a command in a service's running container (docker exec's path), or a
// one-off container of the service (`<project>-<service>-run-<id>`, docker run's attached path).
import { CliError, DEFAULT_DETACH_KEYS, envEntries } from '../core.ts';
import type { ComposeCommand } from './compose.ts';
import { execIn } from './exec.ts';
import { startAttached } from './run.ts';
import { containerNameOf, createOneoff, numberOf, projectContainers } from '../../compose/ops/index.ts';

export const exec: ComposeCommand = {
  usage: '[OPTIONS] SERVICE COMMAND [ARGS...]',
  summary: 'Execute a command in a running container',
  flags: [
    { name: 'detach', short: 'd', type: 'bool', help: 'Detached mode: Run command in the background' },
    { name: 'env', short: 'e', type: 'list', value: 'stringArray', help: 'Set environment variables' },
    { name: 'index', type: 'string', value: 'int', help: 'Index of the container if service has multiple replicas', def: '1' },
    { name: 'no-TTY', short: 'T', type: 'bool', help: 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.' },
    { name: 'privileged', type: 'bool', help: 'Give extended privileges to the process' },
    { name: 'user', short: 'u', type: 'string', help: 'Run the command as this user' },
    { name: 'workdir', short: 'w', type: 'string', help: 'Path to workdir directory for this command' },
  ],
  args: { min: 2 },
  interspersed: false,
  async run(c, p) {
    const [service, ...cmd] = p.args;
    const project = await c.project();
    if (!project.services[service]) throw new CliError(`service "${service}" is not running`, 1);
    const index = Number(p.str('index') ?? '1');
    const running = (await projectContainers(c.ctx.api(), project.name, { services: [service] })).filter((x) => x.State === 'running');
    const target = running.find((x) => numberOf(x) === index);
    if (!target) throw new CliError(running.length ? `service "${service}" is not running container #${index}` : `service "${service}" is not running`, 1);
    const detach = p.bool('detach');
    // a TTY by default, as docker compose, when there is a terminal to give it
    const tty = !p.bool('no-TTY') && Boolean(process.stdin.isTTY) && !detach;
    return execIn(c.ctx.api(), containerNameOf(target), {
      cmd, detach, tty, interactive: !detach, env: envEntries(p.list('env'), []), workdir: p.str('workdir'), user: p.str('user'),
      privileged: p.bool('privileged'),
    });
  },
};

export const run: ComposeCommand = {
  usage: '[OPTIONS] SERVICE [COMMAND] [ARGS...]',
  summary: 'Run a one-off command on a service',
  flags: [
    { name: 'build', type: 'bool', help: 'Build image before starting container' },
    { name: 'detach', short: 'd', type: 'bool', help: 'Run container in background and print container ID' },
    { name: 'entrypoint', type: 'string', help: 'Override the entrypoint of the image' },
    { name: 'env', short: 'e', type: 'list', value: 'stringArray', help: 'Set environment variables' },
    { name: 'interactive', short: 'i', type: 'bool', help: 'Keep STDIN open even if not attached', def: 'true' },
    { name: 'name', type: 'string', help: 'Assign a name to the container' },
    { name: 'no-TTY', short: 'T', type: 'bool', help: 'Disable pseudo-TTY allocation (default: auto-detected)' },
    { name: 'no-deps', type: 'bool', help: "Don't start linked services" },
    { name: 'rm', type: 'bool', help: 'Automatically remove the container when it exits' },
    { name: 'service-ports', type: 'bool', help: "Run command with all service's ports enabled and mapped to the host" },
    { name: 'user', short: 'u', type: 'string', help: 'Run as specified username or uid' },
    { name: 'workdir', short: 'w', type: 'string', help: 'Working directory inside the container' },
  ],
  args: { min: 1 },
  interspersed: false,
  async run(c, p) {
    const [service, ...cmd] = p.args;
    const project = await c.project({ services: [service] });
    const ops = c.ops();
    const detach = p.bool('detach');
    const interactive = !detach && (!p.has('interactive') || p.bool('interactive'));
    const tty = !p.bool('no-TTY') && Boolean(process.stdin.isTTY) && !detach;
    const env: Record<string, string> = {};
    for (const e of envEntries(p.list('env'), [])) {
      const eq = e.indexOf('=');
      if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
    }
    const entrypoint = p.str('entrypoint');
    const { id } = await createOneoff(ops, project, {
      service, command: cmd, entrypoint: entrypoint === undefined ? undefined : entrypoint === '' ? [''] : [entrypoint], env,
      noDeps: p.bool('no-deps'), name: p.str('name'), tty, interactive, servicePorts: p.bool('service-ports'), user: p.str('user'),
      workdir: p.str('workdir'), build: p.bool('build') ? 'always' : 'missing', autoRemove: p.bool('rm'),
    });
    const fail = (err: unknown) => new CliError(err instanceof Error ? err.message : String(err), 1, { cause: err });
    if (detach) {
      await ops.api.json('POST', `/containers/${id}/start`).catch((err: unknown) => { throw fail(err); });
      process.stdout.write(`${id}\n`);
      return 0;
    }
    return startAttached(ops.api, id, { tty, interactive, detachKeys: DEFAULT_DETACH_KEYS, autoRemove: p.bool('rm'), sigProxy: true, fail });
  },
};
