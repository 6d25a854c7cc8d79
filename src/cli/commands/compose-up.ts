// `skiff compose up | create | down | start | stop | restart | rm`: the project's lifecycle, as docker
// compose's commands take their flags and print their progress.
import { CliError, type Parsed } from '../core.ts';
import type { Project } from '../../compose/types.ts';
import { type ComposeCommand, timeoutFlag, timeoutSpec } from './compose.ts';
import { attach, down as downOp, restart as restartOp, rm as rmOp, start as startOp, stop as stopOp, up as upOp, type UpOptions } from '../../compose/ops/index.ts';

const upFlags = [
  { name: 'abort-on-container-exit', type: 'bool', help: 'Stops all containers if any container was stopped. Incompatible with -d' },
  { name: 'build', type: 'bool', help: 'Build images before starting containers' },
  { name: 'detach', short: 'd', type: 'bool', help: 'Detached mode: Run containers in the background' },
  { name: 'exit-code-from', type: 'string', help: 'Return the exit code of the selected service container. Implies --abort-on-container-exit' },
  { name: 'force-recreate', type: 'bool', help: "Recreate containers even if their configuration and image haven't changed" },
  { name: 'no-build', type: 'bool', help: "Don't build an image, even if it's policy" },
  { name: 'no-color', type: 'bool', help: 'Produce monochrome output' },
  { name: 'no-deps', type: 'bool', help: "Don't start linked services" },
  { name: 'no-recreate', type: 'bool', help: "If containers already exist, don't recreate them. Incompatible with --force-recreate." },
  { name: 'no-start', type: 'bool', help: "Don't start the services after creating them" },
  { name: 'pull', type: 'string', help: 'Pull image before running ("always"|"missing"|"never")', def: '"policy"' },
  { name: 'quiet-pull', type: 'bool', help: 'Pull without printing progress information' },
  { name: 'remove-orphans', type: 'bool', help: 'Remove containers for services not defined in the Compose file' },
  { name: 'scale', type: 'list', value: 'scale', help: 'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.' },
  { name: 'wait', type: 'bool', help: 'Wait for services to be running|healthy. Implies detached mode.' },
  timeoutSpec,
] as const;

function upOptions(c: { path: string }, p: Parsed, services: string[]): UpOptions {
  if (p.bool('force-recreate') && p.bool('no-recreate')) throw new CliError('--force-recreate and --no-recreate are incompatible', 1);
  if (p.bool('build') && p.bool('no-build')) throw new CliError('--build and --no-build are incompatible', 1);
  const pull = p.str('pull');
  if (pull !== undefined && !['always', 'missing', 'never', 'policy'].includes(pull)) throw new CliError(`invalid --pull option "${pull}"`, 1);
  return {
    services,
    noDeps: p.bool('no-deps'),
    recreate: p.bool('force-recreate') ? 'force' : p.bool('no-recreate') ? 'never' : 'diverged',
    build: p.bool('build') ? 'always' : p.bool('no-build') ? 'never' : 'missing',
    pull: pull === 'always' ? 'always' : undefined,
    removeOrphans: p.bool('remove-orphans'),
    timeout: timeoutFlag(p, c.path),
  };
}

/** `--scale web=3`: the services' `scale` overridden (docker compose's `up --scale`) */
function applyScale(project: Project, values: string[]): Project {
  if (!values.length) return project;
  const services = { ...project.services };
  for (const v of values) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m) throw new CliError(`invalid --scale value ${JSON.stringify(v)}: expected SERVICE=NUM`, 1);
    const s = services[m[1]];
    if (!s) throw new CliError(`no such service: ${m[1]}`, 1);
    services[m[1]] = { ...s, scale: Number(m[2]) };
  }
  return { ...project, services };
}

export const up: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Create and start containers',
  flags: [...upFlags],
  async run(c, p) {
    const project = applyScale(await c.project({ services: p.args }), p.list('scale'));
    const ops = c.ops({ quietPull: p.bool('quiet-pull') });
    const o = upOptions(c, p, p.args);
    const noStart = p.bool('no-start');
    if ((p.bool('abort-on-container-exit') || p.has('exit-code-from')) && p.bool('detach')) throw new CliError('--abort-on-container-exit and --detach are incompatible', 1);
    const containers = await upOp(ops, project, { ...o, start: !noStart, wait: p.bool('wait') });
    if (p.bool('detach') || p.bool('wait') || noStart) return 0;
    // attached: the logs until every container has exited; Ctrl-C stops the services, a second one kills them
    const abort = new AbortController();
    let interrupted = 0;
    let stopping: Promise<void> | undefined;
    const services = [...new Set(containers.map((x) => x.service))];
    const stopAll = () => {
      stopping ??= stopOp(ops, project, services, o.timeout).then(() => abort.abort(), (err: Error) => {
        process.stderr.write(`${err.message}\n`);
        abort.abort();
      });
    };
    process.on('SIGINT', () => {
      interrupted++;
      if (interrupted === 1) {
        process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
        stopAll();
        return;
      }
      Promise.all(containers.map((x) => ops.api.request('POST', `/containers/${x.id}/kill`).catch(() => undefined))).finally(() => process.exit(130));
    });
    // --abort-on-container-exit / --exit-code-from: the first exit stops everything
    const exitCodeFrom = p.str('exit-code-from');
    if (exitCodeFrom !== undefined && !services.includes(exitCodeFrom)) throw new CliError(`exit-code-from: no such service: ${exitCodeFrom}`, 1);
    const abortOnExit = p.bool('abort-on-container-exit') || exitCodeFrom !== undefined;
    let exitCode: number | undefined;
    const onExit = (service: string, code: number) => {
      if (exitCodeFrom === undefined ? exitCode === undefined : service === exitCodeFrom) exitCode = code;
      if (!abortOnExit || stopping) return;
      process.stderr.write('Aborting on container exit...\n');
      stopAll();
    };
    const color = !p.bool('no-color') && Boolean(process.stdout.isTTY);
    await attach(ops, containers, { color, signal: abort.signal, onExit });
    // the containers' exits can end the streams before the stop requests have answered
    await stopping;
    if (interrupted) return 130;
    return abortOnExit ? (exitCode ?? 0) : 0;
  },
};

export const create: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Creates containers for a service',
  flags: upFlags.filter((f) => ['build', 'force-recreate', 'no-build', 'no-recreate', 'pull', 'quiet-pull', 'remove-orphans', 'scale'].includes(f.name)),
  async run(c, p) {
    const project = applyScale(await c.project({ services: p.args }), p.list('scale'));
    await upOp(c.ops({ quietPull: p.bool('quiet-pull') }), project, { ...upOptions(c, p, p.args), start: false });
  },
};

export const down: ComposeCommand = {
  usage: '[OPTIONS] [SERVICES]',
  summary: 'Stop and remove containers, networks',
  flags: [
    { name: 'remove-orphans', type: 'bool', help: 'Remove containers for services not defined in the Compose file' },
    { name: 'rmi', type: 'string', help: 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")' },
    timeoutSpec,
    { name: 'volumes', short: 'v', type: 'bool', help: 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers' },
  ],
  args: { max: 0 },
  async run(c, p) {
    const rmi = p.str('rmi');
    if (rmi !== undefined && rmi !== 'local' && rmi !== 'all') throw new CliError(`invalid value for --rmi: ${JSON.stringify(rmi)}`, 1);
    const project = await c.project({ allowNameOnly: true });
    await downOp(c.ops(), project, { volumes: p.bool('volumes'), rmi, removeOrphans: p.bool('remove-orphans'), timeout: timeoutFlag(p, c.path) });
  },
};

export const start: ComposeCommand = {
  usage: '[SERVICE...]',
  summary: 'Start services',
  flags: [],
  async run(c, p) {
    await startOp(c.ops(), await c.project({ services: p.args }), p.args);
  },
};

export const stop: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Stop services',
  flags: [timeoutSpec],
  async run(c, p) {
    await stopOp(c.ops(), await c.project({ allowNameOnly: true }), p.args, timeoutFlag(p, c.path));
  },
};

export const restart: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Restart service containers',
  flags: [timeoutSpec],
  async run(c, p) {
    await restartOp(c.ops(), await c.project({ allowNameOnly: true }), p.args, timeoutFlag(p, c.path));
  },
};

export const rm: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Removes stopped service containers\n\nBy default, anonymous volumes attached to containers will not be removed. You\ncan override this with -v. To list all volumes, use "docker volume ls".\n\nAny data which is not in a volume will be lost.',
  flags: [
    { name: 'force', short: 'f', type: 'bool', help: "Don't ask to confirm removal" },
    { name: 'stop', short: 's', type: 'bool', help: 'Stop the containers, if required, before removing' },
    { name: 'volumes', short: 'v', type: 'bool', help: 'Remove any anonymous volumes attached to containers' },
  ],
  async run(c, p) {
    const confirm = p.bool('force') ? undefined : askRemove;
    await rmOp(c.ops(), await c.project({ allowNameOnly: true }), p.args, { stop: p.bool('stop'), volumes: p.bool('volumes'), confirm });
  },
};

/** docker compose's question before `rm` without -f */
async function askRemove(names: string[]): Promise<boolean> {
  process.stdout.write(`Going to remove ${names.join(', ')}\n? Are you sure? (y/N) `);
  const line = await new Promise<string>((done) => {
    let buf = '';
    const onData = (b: Buffer) => {
      buf += b.toString();
      if (buf.includes('\n')) finish();
    };
    const finish = () => {
      process.stdin.off('data', onData);
      process.stdin.pause();
      done(buf);
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', finish);
  });
  process.stdout.write('\n');
  return /^y(es)?$/i.test(line.trim());
}
