// `skiff compose [-f FILE]… [-p NAME] [--project-directory DIR] [--env-file F] [--profile P] COMMAND`: the
// group's flags come before the command, as docker compose takes them; the project is loaded by the
// compose model (src/compose) and acted on by its operations over this CLI's client.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, type Context, type Parsed, type FlagSpec, CliError, parseArgs, helpText, checkArgCount } from '../core.ts';
import type { Project } from '../../compose/types.ts';
import type { OpsContext } from '../../compose/ops/index.ts';
import { composeOpsContext } from './compose-context.ts';

/** What a compose command gets: the CLI context, its project (loaded on demand) and the operations' context. */
export interface ComposeRun {
  ctx: Context;
  path: string;
  /** the loaded project; `allowNameOnly`: with -p and no compose file here, an empty project of that name (down, ps, logs… as docker compose) */
  project(o?: { allowNameOnly?: boolean; services?: string[] }): Promise<Project>;
  ops(o?: { quietPull?: boolean }): OpsContext;
}

export interface ComposeCommand {
  usage: string;
  summary: string;
  flags: FlagSpec[];
  args?: { min?: number; max?: number };
  interspersed?: boolean;
  run(c: ComposeRun, p: Parsed): Promise<number | void>;
}

type Loader = () => Promise<ComposeCommand>;
const lifecycle = () => import('./compose-up.ts');
const query = () => import('./compose-ps.ts');
const running = () => import('./compose-exec.ts');
const images = () => import('./compose-images.ts');
const more = () => import('./compose-more.ts');

const commands: Record<string, { summary: string; load: Loader }> = {
  build: { summary: 'Build or rebuild services', load: () => images().then((m) => m.build) },
  config: { summary: 'Parse, resolve and render compose file in canonical format', load: () => query().then((m) => m.config) },
  create: { summary: 'Creates containers for a service', load: () => lifecycle().then((m) => m.create) },
  down: { summary: 'Stop and remove containers, networks', load: () => lifecycle().then((m) => m.down) },
  exec: { summary: 'Execute a command in a running container', load: () => running().then((m) => m.exec) },
  images: { summary: 'List images used by the created containers', load: () => query().then((m) => m.images) },
  kill: { summary: 'Force stop service containers', load: () => more().then((m) => m.kill) },
  logs: { summary: 'View output from containers', load: () => import('./compose-logs.ts').then((m) => m.logs) },
  ls: { summary: 'List running compose projects', load: () => more().then((m) => m.ls) },
  pause: { summary: 'Pause services', load: () => more().then((m) => m.pause) },
  port: { summary: 'Print the public port for a port binding', load: () => more().then((m) => m.port) },
  ps: { summary: 'List containers', load: () => query().then((m) => m.ps) },
  pull: { summary: 'Pull service images', load: () => images().then((m) => m.pull) },
  push: { summary: 'Push service images', load: () => images().then((m) => m.push) },
  restart: { summary: 'Restart service containers', load: () => lifecycle().then((m) => m.restart) },
  rm: { summary: 'Removes stopped service containers', load: () => lifecycle().then((m) => m.rm) },
  run: { summary: 'Run a one-off command on a service', load: () => running().then((m) => m.run) },
  start: { summary: 'Start services', load: () => lifecycle().then((m) => m.start) },
  stop: { summary: 'Stop services', load: () => lifecycle().then((m) => m.stop) },
  top: { summary: 'Display the running processes', load: () => query().then((m) => m.top) },
  unpause: { summary: 'Unpause services', load: () => more().then((m) => m.unpause) },
  up: { summary: 'Create and start containers', load: () => lifecycle().then((m) => m.up) },
  version: { summary: 'Show the skiff compose version information', load: () => more().then((m) => m.version) },
};

const groupFlags: FlagSpec[] = [
  { name: 'env-file', type: 'list', value: 'stringArray', help: 'Specify an alternate environment file' },
  { name: 'file', short: 'f', type: 'list', value: 'stringArray', help: 'Compose configuration files' },
  { name: 'profile', type: 'list', value: 'stringArray', help: 'Specify a profile to enable' },
  { name: 'project-directory', type: 'string', help: 'Specify an alternate working directory\n(default: the path of the, first specified, Compose file)' },
  { name: 'project-name', short: 'p', type: 'string', help: 'Project name' },
];

function groupHelp(): string {
  const rows = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(11)} ${c.summary}`).join('\n');
  const flags = helpText({ path: 'skiff compose', usage: '', summary: '', flags: groupFlags }).split('\nOptions:\n')[1] ?? '';
  return `\nUsage:  skiff compose [OPTIONS] COMMAND\n\nDefine and run multi-container applications with skiff\n\nOptions:\n${flags}\nCommands:\n${rows}\n\nRun 'skiff compose COMMAND --help' for more information on a command.\n`;
}

const defaultFiles = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

export const compose: Command = {
  usage: '[OPTIONS] COMMAND',
  summary: 'Define and run multi-container applications with skiff',
  flags: groupFlags,
  interspersed: false,
  help: groupHelp,
  async run(ctx, g) {
    const [name, ...rest] = g.args;
    if (name === undefined) {
      process.stdout.write(groupHelp());
      return 0;
    }
    const entry = commands[name];
    if (!entry) throw new CliError(`unknown docker command: "compose ${name}"\n\nRun 'skiff compose --help' for more information`, 1);
    const cmd = await entry.load();
    const path = `skiff compose ${name}`;
    const spec = { ...cmd, path };
    const p = parseArgs(spec, rest);
    if (p.help) {
      process.stdout.write(helpText(spec));
      return 0;
    }
    checkArgCount(spec, p.args.length);
    let loaded: Promise<Project> | undefined;
    const run: ComposeRun = {
      ctx,
      path,
      project: (o = {}) => (loaded ??= loadFor(g, o.allowNameOnly ?? false, o.services ?? [])),
      ops: (o = {}) => composeOpsContext(ctx.api(), o),
    };
    try {
      return (await cmd.run(run, p)) ?? 0;
    } catch (err) {
      // the operations' and the model's errors are docker compose's messages, printed as they are
      if (err instanceof CliError) throw err;
      throw new CliError(err instanceof Error ? err.message : String(err), 1, { cause: err });
    }
  },
};

async function loadFor(g: Parsed, allowNameOnly: boolean, services: string[]): Promise<Project> {
  const projectName = g.str('project-name');
  const files = g.list('file');
  const dir = g.str('project-directory');
  // `down -p NAME` away from the files: the project is known by its name (its objects by their labels)
  if (allowNameOnly && projectName && !files.length && !defaultFiles.some((f) => existsSync(resolve(dir ?? '.', f)))) {
    return { name: projectName, workingDir: resolve(dir ?? '.'), configFiles: [], services: {}, networks: {}, volumes: {}, disabledServices: {}, environment: {} };
  }
  const { loadProject } = await import('../../compose/index.ts');
  return loadProject({
    files,
    projectName,
    projectDirectory: dir,
    envFiles: g.list('env-file').length ? g.list('env-file') : undefined,
    profiles: g.list('profile').length ? g.list('profile') : undefined,
    env: process.env,
    cwd: process.cwd(),
    services: services.length ? services : undefined,
    // docker compose's warnings (logrus' text form)
    warn: (message) => process.stderr.write(`WARN[0000] ${message}\n`),
  });
}

/** `-t 10` as docker compose reads it (seconds) */
export function timeoutFlag(p: Parsed, path: string): number | undefined {
  const t = p.str('timeout');
  if (t === undefined) return undefined;
  if (!/^-?\d+$/.test(t)) throw new CliError(`invalid argument "${t}" for "-t, --timeout" flag: strconv.ParseInt: parsing "${t}": invalid syntax\nSee '${path} --help'.`, 1);
  return Number(t);
}

export const timeoutSpec: FlagSpec = { name: 'timeout', short: 't', type: 'string', value: 'int', help: 'Specify a shutdown timeout in seconds' };
