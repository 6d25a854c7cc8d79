// skiff's command line: global options, the verb table, and the one place errors become exit codes.
// Start-up time is the CLI's budget: the bundle (dist/cli.cjs, run by launch.ts through a code cache)
// evaluates a verb's module only when that verb runs; from source, main.ts is the entry.
import { CliError, VERSION, traceMark, checkArgCount, createClient, helpText, parseArgs, resolveHost, type Client, type Command, type Context } from './core.ts';

interface Verb {
  summary: string;
  load: () => Promise<Command>;
}
const verb = (summary: string, load: () => Promise<Command>): Verb => ({ summary, load });

const lifecycle = () => import('./commands/lifecycle.ts');
const images = () => import('./commands/images.ts');
const inspect = () => import('./commands/inspect.ts');
const cluster = () => import('./commands/cluster.ts');
const nodes = () => import('./commands/nodes.ts');
const networks = () => import('./commands/network.ts');
const registry = () => import('./commands/registry.ts');

const container: Record<string, Verb> = {
  attach: verb('Attach local standard input, output, and error streams to a running container', () => import('./commands/attach.ts').then((m) => m.attach)),
  commit: verb("Create a new image from a container's changes", () => import('./commands/commit.ts').then((m) => m.commit)),
  cp: verb('Copy files/folders between a container and the local filesystem', () => import('./commands/cp.ts').then((m) => m.cp)),
  create: verb('Create a new container', () => import('./commands/run.ts').then((m) => m.create)),
  diff: verb("Inspect changes to files or directories on a container's filesystem", () => import('./commands/commit.ts').then((m) => m.diff)),
  exec: verb('Execute a command in a running container', () => import('./commands/exec.ts').then((m) => m.exec)),
  export: verb("Export a container's filesystem as a tar archive", () => import('./commands/commit.ts').then((m) => m.exportCmd)),
  inspect: verb('Display detailed information on one or more containers', () => inspect().then((m) => m.containerInspect)),
  kill: verb('Kill one or more running containers', () => lifecycle().then((m) => m.kill)),
  logs: verb('Fetch the logs of a container', () => import('./commands/logs.ts').then((m) => m.logs)),
  ls: verb('List containers', () => import('./commands/ps.ts').then((m) => m.ps)),
  pause: verb('Pause all processes within one or more containers', () => lifecycle().then((m) => m.pause)),
  port: verb('List port mappings or a specific mapping for the container', () => import('./commands/port.ts').then((m) => m.port)),
  prune: verb('Remove all stopped containers', () => lifecycle().then((m) => m.prune)),
  rename: verb('Rename a container', () => lifecycle().then((m) => m.rename)),
  restart: verb('Restart one or more containers', () => lifecycle().then((m) => m.restart)),
  rm: verb('Remove one or more containers', () => lifecycle().then((m) => m.rm)),
  run: verb('Create and run a new container from an image', () => import('./commands/run.ts').then((m) => m.run)),
  start: verb('Start one or more stopped containers', () => lifecycle().then((m) => m.start)),
  stats: verb("Display a live stream of container(s) resource usage statistics", () => import('./commands/stats.ts').then((m) => m.stats)),
  stop: verb('Stop one or more running containers', () => lifecycle().then((m) => m.stop)),
  top: verb('Display the running processes of a container', () => import('./commands/top.ts').then((m) => m.top)),
  unpause: verb('Unpause all processes within one or more containers', () => lifecycle().then((m) => m.unpause)),
  update: verb('Update configuration of one or more containers', () => import('./commands/update.ts').then((m) => m.update)),
  wait: verb('Block until one or more containers stop, then print their exit codes', () => lifecycle().then((m) => m.wait)),
};

const buildVerb = verb('Build an image from a Dockerfile', () => import('./commands/build.ts').then((m) => m.build));
const prunes = () => import('./commands/prune.ts');

const image: Record<string, Verb> = {
  build: buildVerb,
  history: verb('Show the history of an image', () => import('./commands/commit.ts').then((m) => m.history)),
  import: verb('Import the contents from a tarball or directory to create a filesystem image', () => images().then((m) => m.importImage)),
  inspect: verb('Display detailed information on one or more images', () => inspect().then((m) => m.imageInspect)),
  load: verb('Load an image from a tar archive or STDIN', () => import('./commands/archive.ts').then((m) => m.load)),
  ls: verb('List images', () => images().then((m) => m.images)),
  rm: verb('Remove one or more images', () => images().then((m) => m.rmi)),
  save: verb('Save one or more images to a tar archive (streamed to STDOUT by default)', () => import('./commands/archive.ts').then((m) => m.save)),
  tag: verb('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', () => images().then((m) => m.tag)),
  pull: verb('Download an image from a registry', () => registry().then((m) => m.pull)),
  push: verb('Upload an image to a registry', () => registry().then((m) => m.push)),
};

const network: Record<string, Verb> = {
  connect: verb('Connect a container to a network', () => networks().then((m) => m.networkConnect)),
  create: verb('Create a network', () => import('./commands/network-create.ts').then((m) => m.networkCreate)),
  disconnect: verb('Disconnect a container from a network', () => networks().then((m) => m.networkDisconnect)),
  inspect: verb('Display detailed information on one or more networks', () => networks().then((m) => m.networkInspect)),
  ls: verb('List networks', () => networks().then((m) => m.networkLs)),
  prune: verb('Remove all unused networks', () => networks().then((m) => m.networkPrune)),
  rm: verb('Remove one or more networks', () => networks().then((m) => m.networkRm)),
};

const manifests = () => import('./commands/manifest.ts');
const manifest: Record<string, Verb> = {
  annotate: verb('Add additional information to a local image manifest', () => manifests().then((m) => m.manifestAnnotate)),
  create: verb('Create a local manifest list for annotating and pushing to a registry', () => manifests().then((m) => m.manifestCreate)),
  inspect: verb('Display an image manifest, or manifest list', () => manifests().then((m) => m.manifestInspect)),
  push: verb('Push a manifest list to a repository', () => import('./commands/manifest-push.ts').then((m) => m.manifestPush)),
  rm: verb('Delete one or more manifest lists from local storage', () => manifests().then((m) => m.manifestRm)),
};

const common: Record<string, Verb> = {
  run: container.run,
  exec: container.exec,
  ps: container.ls,
  build: buildVerb,
  images: image.ls,
  pull: image.pull,
  push: image.push,
  login: verb('Authenticate to a registry', () => import('./commands/login.ts').then((m) => m.login)),
  logout: verb('Log out from a registry', () => import('./commands/login.ts').then((m) => m.logout)),
  version: verb('Show the skiff version information', () => import('./commands/system.ts').then((m) => m.version)),
  info: verb('Display system-wide information', () => import('./commands/system.ts').then((m) => m.info)),
  up: verb('Start the engine, a sample web app and a cluster of node hosts', () => import('./commands/up.ts').then((m) => m.up)),
  down: verb('Remove what `skiff up` started: node hosts, cluster network, server, sample app, engine', () => import('./commands/up.ts').then((m) => m.down)),
  compose: verb('Define and run multi-container applications', () => import('./commands/compose.ts').then((m) => m.compose)),
};

const others: Record<string, Verb> = {
  agent: verb('Run a node (engine + kubelet) joined to a control plane, in the foreground', () => import('./commands/agent.ts').then((m) => m.agent)),
  attach: container.attach,
  commit: container.commit,
  cp: container.cp,
  create: container.create,
  events: verb('Get real time events from the server', () => import('./commands/events.ts').then((m) => m.events)),
  daemon: verb('Run the engine (Docker API on a unix socket) in the foreground', () => import('./commands/daemon.ts').then((m) => m.daemon)),
  diff: container.diff,
  export: container.export,
  history: image.history,
  import: image.import,
  kubeconfig: verb("Print the control plane's admin kubeconfig", () => cluster().then((m) => m.kubeconfig)),
  inspect: verb('Return low-level information on skiff objects', () => inspect().then((m) => m.inspect)),
  kill: container.kill,
  load: image.load,
  logs: container.logs,
  pause: container.pause,
  port: container.port,
  rename: container.rename,
  restart: container.restart,
  rm: container.rm,
  rmi: image.rm,
  save: image.save,
  server: verb('Run the control plane (Kubernetes API server, scheduler, controllers) in the foreground', () => cluster().then((m) => m.server)),
  start: container.start,
  stats: container.stats,
  stop: container.stop,
  tag: image.tag,
  top: container.top,
  unpause: container.unpause,
  update: container.update,
  wait: container.wait,
};

const volumes = () => import('./commands/volumes.ts');
const volume: Record<string, Verb> = {
  create: verb('Create a volume', () => volumes().then((m) => m.volumeCreate)),
  inspect: verb('Display detailed information on one or more volumes', () => volumes().then((m) => m.volumeInspect)),
  ls: verb('List volumes', () => volumes().then((m) => m.volumeLs)),
  prune: verb('Remove unused local volumes', () => volumes().then((m) => m.volumePrune)),
  rm: verb('Remove one or more volumes', () => volumes().then((m) => m.volumeRm)),
};

const management: Record<string, { summary: string; verbs: Record<string, Verb>; aliases: Record<string, string> }> = {
  builder: { summary: 'Manage builds', verbs: { build: buildVerb, prune: verb('Remove build cache', () => prunes().then((m) => m.builderPrune)) }, aliases: {} },
  container: { summary: 'Manage containers', verbs: container, aliases: { list: 'ls', ps: 'ls', remove: 'rm' } },
  image: { summary: 'Manage images', verbs: image, aliases: { list: 'ls', remove: 'rm' } },
  manifest: { summary: 'Manage Docker image manifests and manifest lists', verbs: manifest, aliases: {} },
  network: { summary: 'Manage networks', verbs: network, aliases: { list: 'ls', remove: 'rm' } },
  system: {
    summary: 'Manage skiff',
    verbs: {
      df: verb('Show docker disk usage', () => import('./commands/df.ts').then((m) => m.df)), events: others.events, info: common.info,
      prune: verb('Remove unused data', () => prunes().then((m) => m.systemPrune)),
    },
    aliases: {},
  },
  volume: { summary: 'Manage volumes', verbs: volume, aliases: { list: 'ls', remove: 'rm' } },
  registry: {
    summary: 'Run an OCI distribution registry',
    verbs: {
      serve: verb('Run an OCI distribution registry in the foreground', () => import('./commands/registry-serve.ts').then((m) => m.registryServe)),
      gc: verb('Remove blobs that no manifest references', () => import('./commands/registry-serve.ts').then((m) => m.registryGc)),
    },
    aliases: {},
  },
  nodes: {
    summary: 'Manage the node hosts of a cluster `skiff up` made',
    verbs: {
      ls: verb("List the cluster's node hosts", () => nodes().then((m) => m.nodesLs)),
      stop: verb("Kill a node host's agent and its pods' processes", () => nodes().then((m) => m.nodesStop)),
      start: verb("Start a node host's agent again", () => nodes().then((m) => m.nodesStart)),
      load: verb("Copy images from the local engine to every node's engine", () => nodes().then((m) => m.nodesLoad)),
      import: verb("Load an image archive into one node's engine", () => nodes().then((m) => m.nodesImport)),
    },
    aliases: { list: 'ls' },
  },
  token: {
    summary: 'Manage the bootstrap tokens nodes join with',
    verbs: {
      create: verb('Make a bootstrap token and print the join token', () => import('./commands/token.ts').then((m) => m.tokenCreate)),
      list: verb('List the bootstrap tokens', () => import('./commands/token.ts').then((m) => m.tokenList)),
      delete: verb('Delete bootstrap tokens', () => import('./commands/token.ts').then((m) => m.tokenDelete)),
    },
    aliases: { ls: 'list', rm: 'delete' },
  },
  sim: { summary: 'Simulate cluster parts (nodes) for tests and benchmarks', verbs: { nodes: verb('Register simulated nodes that heartbeat and report their pods Running', () => cluster().then((m) => m.simNodes)) }, aliases: {} },
};

const table = (group: Record<string, { summary: string }>) =>
  Object.entries(group).map(([name, v]) => `  ${name.padEnd(11)} ${v.summary}`).join('\n');

function mainHelp(): string {
  return `
Usage:  skiff [OPTIONS] COMMAND

A container engine: runs containers and serves the Docker Engine API

Common Commands:
${table(common)}

Management Commands:
${table(management)}

Commands:
${table(others)}

Global Options:
  -H, --host string   Daemon socket to connect to (default $SKIFF_HOST, $DOCKER_HOST or unix:///run/skiff/docker.sock)
  -v, --version       Print version information and quit
      --help          Print usage

Run 'skiff COMMAND --help' for more information on a command.
`;
}

function managementHelp(name: string): string {
  const m = management[name];
  return `
Usage:  skiff ${name} COMMAND

${m.summary}

Commands:
${table(m.verbs)}

Run 'skiff ${name} COMMAND --help' for more information on a command.
`;
}

async function main(argv: string[]): Promise<number> {
  let host: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-H' || a === '--host') {
      host = argv[++i];
      if (host === undefined) throw new CliError(`flag needs an argument: ${a}\nSee 'skiff --help'.`, 125);
    } else if (a.startsWith('--host=') || a.startsWith('-H=')) host = a.slice(a.indexOf('=') + 1);
    else if (a.startsWith('-H') && a.length > 2) host = a.slice(2);
    else if (a === '-v' || a === '--version') {
      process.stdout.write(`skiff version ${VERSION}\n`);
      return 0;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(mainHelp());
      return 0;
    } else if (a === '-D' || a === '--debug') process.env.SKIFF_LOG = 'debug';
    else if (a.startsWith('-')) throw new CliError(`unknown flag: ${a.replace(/=.*/, '')}\nSee 'skiff --help'.`, 125);
    else break;
  }
  const name = argv[i];
  if (name === undefined) {
    process.stdout.write(mainHelp());
    return 0;
  }
  let path = `skiff ${name}`;
  let rest = argv.slice(i + 1);
  let v: Verb | undefined = common[name] ?? others[name];
  const group = management[name];
  if (group) {
    const sub = rest[0];
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(managementHelp(name));
      return 0;
    }
    v = group.verbs[group.aliases[sub] ?? sub];
    if (!v) throw new CliError(`skiff: unknown command: skiff ${name} ${sub}\n\nRun 'skiff ${name} --help' for more information`, 1);
    path = `skiff ${name} ${sub}`;
    rest = rest.slice(1);
  }
  if (!v) throw new CliError(`skiff: unknown command: skiff ${name}\n\nRun 'skiff --help' for more information`, 1);

  const cmd = await v.load();
  const spec = { ...cmd, path };
  const parsed = parseArgs(spec, rest);
  if (parsed.help) {
    process.stdout.write(cmd.help?.() ?? helpText(spec));
    return 0;
  }
  checkArgCount(spec, parsed.args.length);
  let client: Client | undefined;
  const resolved = resolveHost(host);
  const ctx: Context = { host: resolved, hostFlag: host, path, api: () => (client ??= createClient(resolved)) };
  return (await cmd.run(ctx, parsed)) ?? 0;
}

/** Run the command line and exit with its status; every error is printed here, once. */
export function cli(argv: string[]): void {
  traceMark('cli');
  main(argv).then(
    (code) => {
      traceMark(`exit ${code}`);
      process.exit(code);
    },
    (err: unknown) => {
      if (err instanceof CliError) {
        process.stderr.write(`${err.message}\n`);
        process.exit(err.exitCode);
      }
      process.stderr.write(`skiff: ${err instanceof Error ? (process.env.SKIFF_LOG === 'debug' ? err.stack : err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
