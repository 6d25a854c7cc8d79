// The OCI runtime bundle config (runtime-spec 1.0.2) of a container, generated from its record the way
// moby's daemon/oci_linux.go does: docker's default mounts, capabilities, masked/readonly paths, devices,
// cgroup limits and seccomp profile. Pure: everything read from the host comes in through `HostFacts`.
import { cgroupPathOf } from './runtime.ts';
import type { ContainerRecord, ExecSpec, MountSpec } from '../types.ts';
import { containerCapabilities } from './caps.ts';
import { toOciSeccomp, type OciSeccomp, type SeccompProfile } from './seccomp.ts';
import type { ExecUser } from './user.ts';
import { internal } from '../../lib/errors.ts';
import { applyHostOptions, type ResolvedHostOptions } from './host-options.ts';

export const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const maskedPaths = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface OciMount { destination: string; type: string; source: string; options?: string[] }
export interface OciDevice { path: string; type: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }
interface DeviceRule { allow: boolean; type?: string; major?: number; minor?: number; access?: string }

export interface OciProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: Array<{ type: string; hard: number; soft: number }>;
  noNewPrivileges: boolean;
  oomScoreAdj: number;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  domainname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    cgroupsPath: string;
    resources: Record<string, unknown>;
    seccomp?: OciSeccomp;
    maskedPaths: string[];
    readonlyPaths: string[];
    devices: OciDevice[];
    /** 'shared' or 'rslave' when a bind asks for that propagation (propagation.ts) */
    rootfsPropagation?: string;
  };
}

/** What the generator needs from the host and the engine, gathered by the caller. */
export interface HostFacts {
  rootfs: string;
  user: ExecUser;
  /** daemon's own hard RLIMIT_NOFILE: a container may not exceed it (no CAP_SYS_RESOURCE here) */
  nofileHard: number;
  knownCaps: readonly string[];
  seccompProfile: SeccompProfile | null;
  /** files in the container dir bind-mounted over /etc/hostname, /etc/hosts, /etc/resolv.conf */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  /** the host has memory.memsw.* (swap accounting): only then can swap be limited */
  swapAccounting: boolean;
  /** host devices for --privileged */
  hostDevices: OciDevice[];
  hostname: string;
  /** host paths of the container's volumes by name (VolumeService.mount) */
  volumePaths?: Record<string, string>;
  /** PidMode, IpcMode, GroupAdd, devices, --init … as resolved at start (host-options.ts) */
  hostOptions?: ResolvedHostOptions;
  /** the network namespace to join (network room); null: the host's; absent: a new empty one unless host mode */
  netns?: string | null;
}

// moby's default device cgroup rules (oci/defaults.go + devices allowed by default)
const defaultDeviceRules: DeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // pts
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // console
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // tun
];

const defaultDevices: OciDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0 },
].map((d) => ({ ...d, fileMode: 0o666, uid: 0, gid: 0 }));

/** Replace or append `KEY=value` entries, later ones winning (moby's ReplaceOrAppendEnvValues). */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const out = [...base];
  const index = new Map(out.map((e, i) => [e.split('=', 1)[0], i]));
  for (const e of overrides) {
    const key = e.split('=', 1)[0];
    const i = index.get(key);
    if (i === undefined) {
      index.set(key, out.length);
      out.push(e);
    } else out[i] = e;
  }
  return out;
}

/** The environment the process sees: PATH default, HOSTNAME, TERM for a tty, then the container's own. */
export function processEnv(env: string[], hostname: string, tty: boolean): string[] {
  const daemon = [`HOSTNAME=${hostname}`];
  if (tty) daemon.push('TERM=xterm');
  if (!env.some((e) => e.startsWith('PATH='))) daemon.unshift(defaultPath);
  return mergeEnv(daemon, env);
}

/** docker's tmpfs size option: the largest unit that divides it (moby's ConvertTmpfsOptions) */
function tmpfsSize(bytes: number): string {
  for (const [suffix, div] of [['g', 1 << 30], ['m', 1 << 20], ['k', 1 << 10]] as const) if (bytes % div === 0) return `${bytes / div}${suffix}`;
  return String(bytes);
}

/** The OCI mount of one typed mount; volumes by the host path their service gave (`volumePaths`). */
export function ociMount(m: MountSpec, volumePaths: Record<string, string>): OciMount {
  if (m.type === 'tmpfs') {
    const t = m.tmpfsOptions ?? {};
    const options = ['nosuid', 'nodev', 'noexec', ...(m.readOnly ? ['ro'] : [])];
    if (t.mode !== undefined) options.push(`mode=${t.mode.toString(8)}`);
    if (t.sizeBytes) options.push(`size=${tmpfsSize(t.sizeBytes)}`);
    return { destination: m.target, type: 'tmpfs', source: 'tmpfs', options: [...options, ...(t.options ?? [])] };
  }
  const source = m.type === 'volume' ? volumePaths[m.source] : m.source;
  if (!source) throw internal(`volume ${m.source} was not mounted for ${m.target}`);
  return { destination: m.target, type: 'bind', source, options: ['rbind', m.readOnly ? 'ro' : 'rw', m.propagation ?? 'rprivate'] };
}

/** Parents before children: a mount at /a/b must come after the one at /a. */
const depth = (p: string) => p.split('/').filter(Boolean).length;

function defaultMounts(rec: ContainerRecord, facts: HostFacts): OciMount[] {
  const shmSize = rec.spec.host.shmSize ?? 64 * 1024 * 1024;
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`] },
    { destination: '/etc/resolv.conf', type: 'bind', source: facts.etcFiles.resolvConf, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', type: 'bind', source: facts.etcFiles.hostname, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: facts.etcFiles.hosts, options: ['rbind', 'rprivate'] },
  ];
  if (rec.spec.host.privileged) {
    // privileged containers see /sys and cgroups writable, as docker's
    for (const m of mounts) if (m.destination === '/sys' || m.destination === '/sys/fs/cgroup') m.options = m.options!.filter((o) => o !== 'ro');
  }
  // as moby's WithMounts: a user mount replaces a default at its destination, and the container's own
  // mounts (/dev/shm, /etc/hosts, …) are sorted with the user's, parents first, so a volume at /etc
  // does not hide /etc/hosts
  const own = rec.spec.host.mounts.map((m) => ociMount(m, facts.volumePaths ?? {}));
  const userDests = new Set(own.map((m) => m.destination));
  const kept = mounts.filter((m) => !userDests.has(m.destination));
  const sorted = [...kept.filter((m) => containerOwn.has(m.destination)), ...own].sort((a, b) => depth(a.destination) - depth(b.destination));
  return [...kept.filter((m) => !containerOwn.has(m.destination)), ...sorted];
}

const containerOwn = new Set(['/dev/shm', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts']);

function resources(rec: ContainerRecord, facts: HostFacts): Record<string, unknown> {
  const h = rec.spec.host;
  const res: Record<string, unknown> = {
    devices: h.privileged ? [{ allow: true, access: 'rwm' }] : defaultDeviceRules,
  };
  if (h.memory && h.memory > 0) {
    const memory: Record<string, number> = { limit: h.memory };
    if (facts.swapAccounting) memory.swap = h.memorySwap === undefined || h.memorySwap === 0 ? h.memory : h.memorySwap;
    res.memory = memory;
  }
  const cpu: Record<string, number> = {};
  if (h.nanoCpus && h.nanoCpus > 0) {
    cpu.period = 100000;
    cpu.quota = Math.round((h.nanoCpus * 100000) / 1e9);
  } else {
    if (h.cpuPeriod) cpu.period = h.cpuPeriod;
    if (h.cpuQuota) cpu.quota = h.cpuQuota;
  }
  if (h.cpuShares) cpu.shares = h.cpuShares;
  if (Object.keys(cpu).length) res.cpu = cpu;
  if (h.pidsLimit && h.pidsLimit > 0) res.pids = { limit: h.pidsLimit };
  return res;
}

const securityOpt = (rec: ContainerRecord, key: string): string | undefined =>
  (rec.spec.host.securityOpt ?? []).map((o) => o.split(/[=:]/, 2)).find(([k]) => k === key)?.[1] ?? undefined;

function rlimits(rec: ContainerRecord, facts: HostFacts): OciProcess['rlimits'] {
  const nofile = Math.min(1048576, facts.nofileHard);
  const out = new Map<string, { type: string; hard: number; soft: number }>([
    ['RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }],
  ]);
  for (const u of rec.spec.host.ulimits ?? []) {
    const type = `RLIMIT_${u.Name.toUpperCase()}`;
    out.set(type, { type, hard: u.Hard, soft: u.Soft });
  }
  return [...out.values()];
}

/** The bundle's config.json for `rec`. */
export function buildOciSpec(rec: ContainerRecord, facts: HostFacts): OciSpec {
  const h = rec.spec.host;
  const caps = containerCapabilities({ capAdd: h.capAdd, capDrop: h.capDrop, privileged: h.privileged, known: facts.knownCaps });
  const seccompOff = h.privileged || securityOpt(rec, 'seccomp') === 'unconfined' || !facts.seccompProfile;
  const namespaces: Array<{ type: string; path?: string }> = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (typeof facts.netns === 'string') namespaces.push({ type: 'network', path: facts.netns });
  else if (facts.netns === undefined && h.networkMode !== 'host') namespaces.push({ type: 'network' });
  const process: OciProcess = {
    terminal: rec.spec.tty,
    user: { uid: facts.user.uid, gid: facts.user.gid, ...(facts.user.additionalGids.length ? { additionalGids: facts.user.additionalGids } : {}) },
    args: [rec.path, ...rec.args],
    env: processEnv(rec.spec.env, facts.hostname, rec.spec.tty),
    cwd: rec.spec.workingDir || '/',
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    rlimits: rlimits(rec, facts),
    noNewPrivileges: !h.privileged || (h.securityOpt ?? []).some((o) => /^no-new-privileges(=true|:true)?$/.test(o)),
    oomScoreAdj: 0,
  };
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process,
    root: { path: facts.rootfs, readonly: h.readonlyRootfs },
    hostname: facts.hostname,
    mounts: defaultMounts(rec, facts),
    linux: {
      namespaces,
      cgroupsPath: `/${cgroupPathOf(rec)}`,
      resources: resources(rec, facts),
      maskedPaths: h.privileged ? [] : maskedPaths,
      readonlyPaths: h.privileged ? [] : readonlyPaths,
      devices: h.privileged ? facts.hostDevices : defaultDevices,
    },
  };
  if (rec.spec.domainname) spec.domainname = rec.spec.domainname;
  if (!seccompOff) spec.linux.seccomp = toOciSeccomp(facts.seccompProfile!, caps);
  return applyHostOptions(spec, rec, facts.hostOptions);
}

/** An exec's process: the container's, with the exec's args, env, cwd, user and tty. */
export function buildExecProcess(base: OciProcess, exec: ExecSpec, user: ExecUser | null, allCaps: readonly string[]): OciProcess {
  const env = mergeEnv(base.env.filter((e) => !e.startsWith('TERM=')), exec.tty ? ['TERM=xterm', ...exec.env] : exec.env);
  const caps = exec.privileged ? [...allCaps] : base.capabilities.bounding;
  return {
    ...base,
    terminal: exec.tty,
    args: exec.cmd,
    env,
    cwd: exec.workingDir || base.cwd,
    user: user ? { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) } : base.user,
    capabilities: { bounding: caps, effective: caps, permitted: caps },
  };
}
