// `skiff up`: make sure an engine answers (starting `skiff daemon` in the background if not), that
// busybox:latest exists (building it from busybox-static if not), and that the sample web app runs (its image
// built from examples/hello/Dockerfile by the engine's builder).
// With the cluster (unless --no-cluster): `skiff server` on --root and node hosts — an agent on this host
// (node-1) and --nodes more, each in its own network namespace (src/cluster/nodes).
// `skiff down` removes the cluster's node hosts and network, stops its server, removes the sample and stops
// the engine `up` started (by the pid file next to the socket).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { type Command, type Context, type Parsed, ApiError, CliError, readAll, socketPath, type Client } from '../core.ts';
import { makeBuildContext } from '../build-context.ts';
import { SkiffError } from '../../lib/errors.ts';
import { DEFAULT_CLUSTER_ROOT, selfArgv } from './nodes.ts';
import { parseDurationMs } from './cluster.ts';

export const SAMPLE = 'skiff-hello';
const SAMPLE_PORT = 8080;
const DEFAULT_ROOT = '/var/lib/skiff/engine';
const say = (msg: string) => process.stdout.write(`${msg}\n`);

const pidFile = (host: string) => `${socketPath(host)}.pid`;
const CLUSTER_ROOT = DEFAULT_CLUSTER_ROOT;
const CLUSTER_PORT = 6443;

/** the pid in a pid file, when that process is alive and its command line has `verb` (pids get reused) */
function runningPid(file: string, verb: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(verb) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** the cluster: server, network and node hosts (src/cluster/nodes), each part started unless it runs */
async function ensureCluster(p: Parsed): Promise<string> {
  const root = resolve(p.str('root') ?? CLUSTER_ROOT);
  const port = Number(p.str('port') ?? CLUSTER_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`invalid --port "${p.str('port')}": use 1-65535`, 125);
  const nodes = Number(p.str('nodes') ?? '0');
  if (!Number.isInteger(nodes) || nodes < 0) throw new CliError(`invalid --nodes "${p.str('nodes')}": use a whole number, 0 or more`, 125);
  const grace = p.str('node-monitor-grace-period');
  // the agents' Leases last as long as the grace period and are renewed every quarter of it (kube's 40 s / 10 s):
  // with the kubelet's default 10 s renewal a grace of 10 s would let every live node look quiet for a moment
  const leaseSeconds = grace ? Math.max(1, Math.floor(parseDurationMs(grace, '--node-monitor-grace-period') / 1000)) : undefined;
  const { upCluster } = await import('../../cluster/entry.ts');
  try {
    await upCluster({ root, port, nodes, self: selfArgv(), nodeMonitorGracePeriod: grace, nodeLeaseDurationSeconds: leaseSeconds, say });
  } catch (err) {
    if (err instanceof SkiffError) throw new CliError(err.message, 1);
    throw err;
  }
  return root;
}

async function answers(api: Client): Promise<boolean> {
  try {
    await api.ping();
    return true;
  } catch (err) {
    if (err instanceof CliError && /Cannot connect/.test(err.message)) return false;
    throw err;
  }
}

/** The project's root (holding scripts/base-images), above the program Node runs (src/cli/main.ts or dist/skiff.cjs). */
function projectRoot(): string {
  // argv[1], not import.meta.url: the bundled CLI is CommonJS (Node makes argv[1] absolute; bin/skiff resolves symlinks)
  let dir = dirname(process.argv[1]);
  while (dir !== '/') {
    if (existsSync(join(dir, 'scripts', 'base-images'))) return dir;
    dir = dirname(dir);
  }
  throw new CliError('cannot find the skiff project (scripts/base-images) above this program', 1);
}

async function startEngine(ctx: Context, root: string, runtime: string | undefined): Promise<void> {
  mkdirSync(root, { recursive: true });
  mkdirSync(dirname(socketPath(ctx.host)), { recursive: true });
  const log = join(root, 'daemon.log');
  const fd = openSync(log, 'a');
  const args = [...process.execArgv, process.argv[1], '-H', ctx.host, 'daemon', '--root', root, ...(runtime ? ['--runtime', runtime] : [])];
  // detached: its own session (setsid), so it outlives this shell and its terminal
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  const api = ctx.api();
  for (let i = 0; i < 300; i++) {
    if (exited !== null) {
      const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-10).join('\n');
      throw new CliError(`the engine exited (status ${exited}) before answering; the end of ${log}:\n${tail}`, 1);
    }
    if (await answers(api)) {
      child.unref();
      // the daemon writes it too; make sure `down` finds it even if that changes
      if (!existsSync(pidFile(ctx.host))) writeFileSync(pidFile(ctx.host), `${child.pid}\n`);
      say(`Started the skiff engine (pid ${child.pid}) on ${ctx.host}; its log is ${log}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new CliError(`the engine did not answer on ${ctx.host} within 30 seconds; see ${log}`, 1);
}

async function imageExists(api: Client, ref: string): Promise<boolean> {
  try {
    await api.json('GET', `/images/${encodeURIComponent(ref)}/json`);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
}

async function ensureBusybox(ctx: Context): Promise<void> {
  const api = ctx.api();
  if (await imageExists(api, 'busybox:latest')) return;
  say('Making busybox:latest from busybox-static (scripts/base-images busybox --import)…');
  const root = projectRoot();
  const r = spawnSync(join(root, 'scripts', 'base-images'), ['busybox', '--import'], { stdio: 'inherit', env: { ...process.env, SKIFF_HOST: ctx.host } });
  if (r.status !== 0) throw new CliError(`scripts/base-images failed (status ${r.status ?? r.signal}); is busybox-static installed?`, 1);
  if (!(await imageExists(api, 'busybox:latest'))) throw new CliError('busybox:latest is still missing after the import', 1);
}

const SAMPLE_IMAGE = 'skiff-hello:latest';

/** the sample image from examples/hello/Dockerfile (the build cache makes it instant after the first time) */
async function buildSample(api: Client): Promise<void> {
  const dir = join(projectRoot(), 'examples', 'hello');
  const ctx = makeBuildContext(dir);
  const res = await api.request('POST', '/build', { query: { t: SAMPLE_IMAGE, q: '1', dockerfile: ctx.dockerfile }, body: ctx.stream });
  const text = (await readAll(res.body)).toString();
  const failure = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { errorDetail?: { message: string } }).find((m) => m.errorDetail);
  if (failure) throw new CliError(`building the sample image from ${dir} failed: ${failure.errorDetail!.message}`, 1);
  say(`Built ${SAMPLE_IMAGE} from ${dir}/Dockerfile.`);
}

async function ensureSample(api: Client): Promise<void> {
  let running: boolean | undefined;
  try {
    const info = await api.json<{ State: { Running: boolean } }>('GET', `/containers/${SAMPLE}/json`);
    running = info.State.Running;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  if (running) {
    say(`${SAMPLE} is already running.`);
    return;
  }
  if (running === undefined) {
    await buildSample(api);
    await api.json('POST', '/containers/create', {
      query: { name: SAMPLE },
      body: {
        Image: SAMPLE_IMAGE,
        Labels: { 'skiff.sample': 'true' },
        // on the default bridge, published on the host's port by kernel DNAT (`docker run -p 8080:80`)
        HostConfig: {
          NetworkMode: 'bridge',
          PortBindings: { '80/tcp': [{ HostIp: '', HostPort: String(SAMPLE_PORT) }] },
          RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        },
      },
    });
  }
  await readAll((await api.request('POST', `/containers/${SAMPLE}/start`)).body);
  say(`Started ${SAMPLE} (${SAMPLE_IMAGE}: busybox httpd on the bridge network, published on port ${SAMPLE_PORT}).`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export const up: Command = {
  usage: '[OPTIONS]',
  summary: 'Start the engine, a sample web app and a cluster of node hosts',
  flags: [
    { name: 'root', type: 'string', help: 'Cluster directory (server state, node hosts under ROOT/nodes, logs)', def: CLUSTER_ROOT },
    { name: 'port', type: 'string', value: 'int', help: 'HTTPS port of the API server', def: String(CLUSTER_PORT) },
    { name: 'nodes', type: 'string', value: 'int', help: 'Node hosts besides this host, each in its own network namespace', def: '0' },
    { name: 'node-monitor-grace-period', type: 'string', value: 'duration', help: "A node without heartbeat this long is NotReady (the server's flag)", def: '40s' },
    { name: 'engine-root', type: 'string', help: 'Engine state directory, when up has to start the engine', def: DEFAULT_ROOT },
    { name: 'runtime', type: 'string', help: 'OCI runtime for a started engine: crun, runc or auto' },
    { name: 'no-cluster', type: 'bool', help: 'Do not start the control plane and node hosts (Kubernetes)' },
    { name: 'no-sample', type: 'bool', help: 'Do not start the local engine and the sample app (only the cluster)' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const api = ctx.api();
    const sample = !p.bool('no-sample');
    if (sample) {
      if (await answers(api)) say(`A skiff engine answers on ${ctx.host}.`);
      else await startEngine(ctx, p.str('engine-root') ?? DEFAULT_ROOT, p.str('runtime'));
      await ensureBusybox(ctx);
      await ensureSample(api);
      let open = false;
      for (let i = 0; i < 30 && !(open = await portOpen(SAMPLE_PORT)); i++) await new Promise((r) => setTimeout(r, 100));
      if (!open) process.stderr.write(`warning: nothing listens on 127.0.0.1:${SAMPLE_PORT} yet; see 'skiff logs ${SAMPLE}'\n`);
    }
    const clusterRoot = p.bool('no-cluster') ? undefined : await ensureCluster(p);
    const h = ctx.hostFlag ? `-H ${ctx.host} ` : '';
    const r = clusterRoot && clusterRoot !== CLUSTER_ROOT ? ` --root ${clusterRoot}` : '';
    say(`${sample ? `
Try it:        curl http://127.0.0.1:${SAMPLE_PORT}/
Containers:    skiff ${h}ps       (the docker CLI works too: DOCKER_HOST=${ctx.host} docker ps)` : ''}${clusterRoot ? `
Kubernetes:    export KUBECONFIG=${join(clusterRoot, 'admin.kubeconfig')}; kubectl get nodes
Nodes:         skiff nodes ls${r}; images to the nodes: skiff ${h}nodes load${r} IMAGE` : ''}${sample ? `
Stop the app:  skiff ${h}rm -f ${SAMPLE}` : ''}
Stop it all:   skiff ${h}down${r}`);
  },
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const down: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove the cluster `skiff up` made (node hosts, network, server), the sample web app, and stop the engine',
  flags: [
    { name: 'root', type: 'string', help: 'The cluster directory `skiff up` was given', def: CLUSTER_ROOT },
    { name: 'no-sample', type: 'bool', help: 'Leave the local engine and the sample app alone' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const root = resolve(p.str('root') ?? CLUSTER_ROOT);
    const { downCluster } = await import('../../cluster/entry.ts');
    if (!(await downCluster(root, say))) {
      // a control plane from before node hosts (no cluster.json): stop it by its pid file
      const server = runningPid(join(root, 'server.pid'), 'server');
      if (server) {
        process.kill(server, 'SIGTERM');
        for (let i = 0; i < 300 && alive(server); i++) await new Promise((r) => setTimeout(r, 100));
        say(`Stopped the skiff control plane (pid ${server}); its state stays in ${root}.`);
      }
    }
    if (p.bool('no-sample')) return;
    await stopSampleAndEngine(ctx);
  },
};

async function stopSampleAndEngine(ctx: Context): Promise<void> {
  const api = ctx.api();
  if (await answers(api)) {
    try {
      await readAll((await api.request('DELETE', `/containers/${SAMPLE}`, { query: { force: true } })).body);
      say(`Removed ${SAMPLE}.`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  const file = pidFile(ctx.host);
  if (!existsSync(file)) {
    say(`No engine started by 'skiff up' on ${ctx.host} (no ${file}).`);
    return;
  }
  const pid = Number(readFileSync(file, 'utf8').trim());
  // only stop what is still our daemon: the pid may have been reused since
  const cmdline = alive(pid) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') : [];
  if (!cmdline.includes('daemon')) {
    rmSync(file, { force: true });
    say(`The engine recorded in ${file} (pid ${pid}) is not running.`);
    return;
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) throw new CliError(`the engine (pid ${pid}) did not stop within 30 seconds`, 1);
  rmSync(file, { force: true });
  say(`Stopped the skiff engine (pid ${pid}). Containers it ran keep running under conmon and are re-adopted on the next start.`);
}
