// `run`/`create` flags and their translation into the body of POST /containers/create, validated here
// (once, at the edge) with docker's messages.
import { badValue, usageError, type CommandSpec, type FlagSpec, type Parsed, parseBytes, envEntries } from '../core.ts';
import { networkSettings } from './network-opts.ts';
import { healthFlags, healthcheckFromFlags } from './health-flags.ts';
import { MountFlagError, parseMountFlag, splitVolumeFlags, tmpfsFlags } from './mount-flags.ts';
import { hostConfigFromFlags } from './host-flags.ts';

export const createFlags: FlagSpec[] = [
  { name: 'add-host', type: 'list', help: 'Add a custom host-to-IP mapping (host:ip)' },
  { name: 'cap-add', type: 'list', help: 'Add Linux capabilities' },
  { name: 'cap-drop', type: 'list', help: 'Drop Linux capabilities' },
  { name: 'cpu-shares', short: 'c', type: 'string', value: 'int', help: 'CPU shares (relative weight)' },
  { name: 'cpus', type: 'string', value: 'decimal', help: 'Number of CPUs' },
  { name: 'cpuset-cpus', type: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', type: 'string', help: 'MEMs in which to allow execution (0-3, 0,1)' },
  { name: 'device', type: 'list', help: 'Add a host device to the container' },
  { name: 'device-cgroup-rule', type: 'list', help: 'Add a rule to the cgroup allowed devices list' },
  { name: 'dns', type: 'list', help: 'Set custom DNS servers' },
  { name: 'dns-option', type: 'list', help: 'Set DNS options' },
  { name: 'dns-search', type: 'list', help: 'Set custom DNS search domains' },
  { name: 'entrypoint', type: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'env', short: 'e', type: 'list', help: 'Set environment variables' },
  { name: 'env-file', type: 'list', help: 'Read in a file of environment variables' },
  { name: 'expose', type: 'list', help: 'Expose a port or a range of ports' },
  ...healthFlags,
  { name: 'group-add', type: 'list', help: 'Add additional groups to join' },
  { name: 'hostname', short: 'h', type: 'string', help: 'Container host name' },
  { name: 'init', type: 'bool', help: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'interactive', short: 'i', type: 'bool', help: 'Keep STDIN open even if not attached' },
  { name: 'ip', type: 'string', value: 'ip', help: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'ipc', type: 'string', help: 'IPC mode to use' },
  { name: 'isolation', type: 'string', help: 'Container isolation technology' },
  { name: 'label', short: 'l', type: 'list', help: 'Set meta data on a container' },
  { name: 'link', type: 'list', help: 'Add link to another container' },
  { name: 'log-driver', type: 'string', help: 'Logging driver for the container' },
  { name: 'log-opt', type: 'list', help: 'Log driver options' },
  { name: 'mac-address', type: 'string', help: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  { name: 'memory', short: 'm', type: 'string', value: 'bytes', help: 'Memory limit' },
  { name: 'memory-swap', type: 'string', value: 'bytes', help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { name: 'mount', type: 'list', value: 'mount', help: 'Attach a filesystem mount to the container' },
  { name: 'name', type: 'string', help: 'Assign a name to the container' },
  { name: 'network', type: 'list', value: 'network', help: 'Connect a container to a network' },
  { name: 'net', type: 'list', value: 'network', help: 'Connect a container to a network (alias of --network)' },
  { name: 'network-alias', type: 'list', help: 'Add network-scoped alias for the container' },
  { name: 'pid', type: 'string', help: 'PID namespace to use' },
  { name: 'pids-limit', type: 'string', value: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'privileged', type: 'bool', help: 'Give extended privileges to this container' },
  { name: 'publish', short: 'p', type: 'list', help: "Publish a container's port(s) to the host" },
  { name: 'publish-all', short: 'P', type: 'bool', help: 'Publish all exposed ports to random ports' },
  { name: 'read-only', type: 'bool', help: "Mount the container's root filesystem as read only" },
  { name: 'restart', type: 'string', help: 'Restart policy to apply when a container exits', def: '"no"' },
  { name: 'runtime', type: 'string', help: 'Runtime to use for this container' },
  { name: 'security-opt', type: 'list', help: 'Security Options' },
  { name: 'shm-size', type: 'string', value: 'bytes', help: 'Size of /dev/shm' },
  { name: 'stop-signal', type: 'string', help: 'Signal to stop the container' },
  { name: 'stop-timeout', type: 'string', value: 'int', help: 'Timeout (in seconds) to stop a container' },
  { name: 'sysctl', type: 'list', help: 'Sysctl options' },
  { name: 'tmpfs', type: 'list', help: 'Mount a tmpfs directory' },
  { name: 'tty', short: 't', type: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'ulimit', type: 'list', value: 'ulimit', help: 'Ulimit options' },
  { name: 'user', short: 'u', type: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'uts', type: 'string', help: 'UTS namespace to use' },
  { name: 'volume', short: 'v', type: 'list', help: 'Bind mount a volume' },
  { name: 'volume-driver', type: 'string', help: 'Optional volume driver for the container' },
  { name: 'volumes-from', type: 'list', help: 'Mount volumes from the specified container(s)' },
  { name: 'workdir', short: 'w', type: 'string', help: 'Working directory inside the container' },
];

export interface CreateRequest {
  name?: string;
  image: string;
  body: Record<string, unknown>;
}

function intFlag(spec: CommandSpec, p: Parsed, name: string): number | undefined {
  const v = p.str(name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw badValue(spec, name, v, `strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

function bytesFlag(spec: CommandSpec, p: Parsed, name: string, allowMinusOne = false): number | undefined {
  const v = p.str(name);
  if (v === undefined) return undefined;
  if (allowMinusOne && v === '-1') return -1;
  try {
    return parseBytes(v);
  } catch {
    const suffix = /^\s*[\d.]+\s*(.*)$/.exec(v)?.[1];
    throw badValue(spec, name, v, suffix ? `invalid suffix: '${suffix}'` : `invalid size: '${v}'`);
  }
}

export function parseRestart(spec: CommandSpec, value: string): { Name: string; MaximumRetryCount: number } {
  const [name, count, ...extra] = value.split(':');
  if (extra.length) throw usageError(spec, `invalid restart policy format: ${value}`);
  if (count !== undefined) {
    if (name !== 'on-failure') throw usageError(spec, `invalid restart policy format: maximum retry count can only be used with 'on-failure'`);
    if (!/^\d+$/.test(count)) throw usageError(spec, 'invalid restart policy format: maximum retry count must be an integer');
  }
  if (!['no', '', 'always', 'unless-stopped', 'on-failure'].includes(name)) throw usageError(spec, `invalid restart policy '${name}'`);
  return { Name: name || 'no', MaximumRetryCount: count ? Number(count) : 0 };
}

function ulimits(spec: CommandSpec, values: string[]): Array<{ Name: string; Soft: number; Hard: number }> {
  return values.map((u) => {
    const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
    if (!m) throw badValue(spec, 'ulimit', u, `invalid ulimit argument: ${u}`);
    return { Name: m[1], Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) };
  });
}

/** Flags + `IMAGE [COMMAND] [ARG...]` → the create request (docker's container config + host config). */
export function buildCreateRequest(spec: CommandSpec, p: Parsed, opts: { detach: boolean; autoRemove: boolean }): CreateRequest {
  const [image, ...cmd] = p.args;
  const tty = p.bool('tty');
  const interactive = p.bool('interactive');
  const cpus = p.str('cpus');
  let nanoCpus: number | undefined;
  if (cpus !== undefined) {
    if (!/^\d*\.?\d+$/.test(cpus)) throw badValue(spec, 'cpus', cpus, `failed to parse ${cpus} as a rational number`);
    nanoCpus = Math.round(Number(cpus) * 1e9);
  }
  const { binds, volumes } = splitVolumeFlags(p.list('volume'));
  const mounts = p.list('mount').map((m) => {
    try {
      return parseMountFlag(m);
    } catch (err) {
      if (err instanceof MountFlagError) throw badValue(spec, 'mount', m, err.message);
      throw err;
    }
  });
  const labels: Record<string, string> = {};
  for (const l of p.list('label')) {
    const eq = l.indexOf('=');
    labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  const entrypoint = p.str('entrypoint');
  const stopTimeout = intFlag(spec, p, 'stop-timeout');
  // only a TTY session has a console size; process.stdout is built on first use, which costs start-up time
  const size = tty && process.stdout.isTTY ? [process.stdout.rows, process.stdout.columns] : undefined;
  const net = networkSettings(spec, p);
  const hostConfig: Record<string, unknown> = {
    ...net.host,
    Binds: binds,
    Mounts: mounts.length ? mounts : undefined,
    VolumesFrom: p.list('volumes-from'),
    VolumeDriver: p.str('volume-driver'),
    RestartPolicy: parseRestart(spec, p.str('restart') ?? 'no'),
    AutoRemove: opts.autoRemove,
    CapAdd: p.list('cap-add'),
    CapDrop: p.list('cap-drop'),
    Privileged: p.bool('privileged'),
    ReadonlyRootfs: p.bool('read-only'),
    SecurityOpt: p.list('security-opt'),
    Tmpfs: tmpfsFlags(p.list('tmpfs')),
    Memory: bytesFlag(spec, p, 'memory') ?? 0,
    MemorySwap: bytesFlag(spec, p, 'memory-swap', true) ?? 0,
    NanoCpus: nanoCpus ?? 0,
    CpuShares: intFlag(spec, p, 'cpu-shares') ?? 0,
    PidsLimit: intFlag(spec, p, 'pids-limit'),
    Ulimits: ulimits(spec, p.list('ulimit')),
    ShmSize: bytesFlag(spec, p, 'shm-size'),
    Init: p.has('init') ? p.bool('init') : undefined,
    ConsoleSize: tty && size ? size : undefined,
    ...hostConfigFromFlags(spec, p),
  };
  const body: Record<string, unknown> = {
    Hostname: p.str('hostname') ?? '',
    User: p.str('user') ?? '',
    AttachStdin: !opts.detach && interactive,
    AttachStdout: !opts.detach,
    AttachStderr: !opts.detach,
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: !opts.detach && interactive,
    Env: envEntries(p.list('env'), p.list('env-file')),
    Cmd: cmd.length ? cmd : null,
    Image: image,
    WorkingDir: p.str('workdir') ?? '',
    // docker: `--entrypoint ""` clears the image's entrypoint; a value is one word, not split
    Entrypoint: entrypoint === undefined ? null : [entrypoint],
    Labels: labels,
    Volumes: Object.keys(volumes).length ? volumes : undefined,
    StopSignal: p.str('stop-signal'),
    StopTimeout: stopTimeout,
    Healthcheck: healthcheckFromFlags(spec, p),
    HostConfig: hostConfig,
    ExposedPorts: net.exposedPorts,
    NetworkingConfig: net.networkingConfig,
  };
  return { name: p.str('name'), image, body };
}
