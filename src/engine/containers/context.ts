// What the parts of the containers room share: paths, the record store, the neighbours (images,
// snapshots), the runtime, facts about the host read once, and per-container live state.
import { readFileSync, existsSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { ContainerNetworking, ContainerRecord, Digest, EventSink, ImageService, Snapshotter, VolumeService } from '../types.ts';
import type { ContainerStore } from './store.ts';
import type { Runtime } from './runtime.ts';
import type { SeccompProfile } from './seccomp.ts';
import type { OciDevice } from './spec.ts';
import type { PendingAttachment } from './attach.ts';
import type { ConmonHandle } from './conmon.ts';
import type { HealthMonitor } from './health.ts';
import { kernelCapabilities } from './caps.ts';
import type { BpfCache } from './seccomp-cache.ts';
import { logger } from '../../lib/log.ts';

export const log = logger('containers');

export interface Live {
  /** lifecycle operations of one container run one at a time, in order */
  chain: Promise<unknown>;
  /** increments on every start; exit handling checks it so a late event never touches a newer run */
  run: number;
  /** resolves when conmon reports the current run's exit (the exit file appears) */
  exited: Promise<void>;
  markExited: () => void;
  exitHandled: boolean;
  conmonPid: number;
  startedMs: number;
  /** attachments made before start, connected by the next start */
  pending: PendingAttachment[];
  /** `docker stop` cancels restart-policy restarts until the next start */
  canceled: boolean;
  backoffMs: number;
  restartTimer: NodeJS.Timeout | null;
  /** a conmon started after `create` and held for `start` (launch.ts) */
  held: { handle: ConmonHandle; timer: NodeJS.Timeout } | null;
}

export interface Waiter {
  condition: 'not-running' | 'next-exit' | 'removed';
  resolve: (r: { StatusCode: number; Error?: { Message: string } }) => void;
}

export interface HostInfo {
  ncpu: number;
  nofileHard: number;
  knownCaps: string[];
  seccompProfile: SeccompProfile | null;
  swapAccounting: boolean;
  hostDevices(): OciDevice[];
}

export interface Ctx {
  root: string;
  runRoot: string;
  store: ContainerStore;
  images: ImageService;
  snapshotter: Snapshotter;
  volumes: VolumeService;
  runtime: Runtime;
  conmonPath: string;
  host: HostInfo;
  bpf: BpfCache;
  live: Map<string, Live>;
  waiters: Map<string, Waiter[]>;
  /** where container events go (engine/events) */
  events?: EventSink;
  /** healthcheck monitors, told of starts and stops by the same calls that report events */
  health?: HealthMonitor;
  layerPaths(imageId: Digest): Promise<string[]>;
  /** the network room (sandboxes, /etc files); absent: containers get an empty network namespace */
  network?: ContainerNetworking;
  runtimeFor(rec: ContainerRecord): Runtime;
}

export const paths = (ctx: Pick<Ctx, 'store' | 'runRoot'>, id: string) => {
  const dir = ctx.store.dir(id);
  return {
    dir,
    bundle: join(dir, 'bundle'),
    userdata: join(dir, 'userdata'),
    log: join(dir, 'container.log'),
    hostname: join(dir, 'hostname'),
    hosts: join(dir, 'hosts'),
    resolvConf: join(dir, 'resolv.conf'),
    pidFile: join(dir, 'userdata', 'pidfile'),
    conmonPidFile: join(dir, 'userdata', 'conmon.pid'),
    oomFile: join(dir, 'userdata', 'oom'),
    exitFile: join(ctx.runRoot, 'exits', id),
    attachSocket: join(dir, 'bundle', 'attach'),
    ctlFifo: join(dir, 'bundle', 'ctl'),
    execDir: (execId: string) => join(dir, 'exec', execId),
  };
};

/** The daemon's own hard RLIMIT_NOFILE (a container may not ask for more without CAP_SYS_RESOURCE). */
export function readNofileHard(limits = '/proc/self/limits'): number {
  try {
    const line = readFileSync(limits, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    if (hard === 'unlimited') return 1048576;
    const n = Number(hard);
    return Number.isFinite(n) && n > 0 ? n : 1024;
  } catch {
    return 1024;
  }
}

export function readHostInfo(seccompPath = process.env.SKIFF_SECCOMP_PROFILE ?? '/usr/share/containers/seccomp.json'): HostInfo {
  let lastCap = 40;
  try {
    lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  } catch {}
  let seccompProfile: SeccompProfile | null = null;
  try {
    seccompProfile = JSON.parse(readFileSync(seccompPath, 'utf8')) as SeccompProfile;
  } catch {
    log.warn('no default seccomp profile: containers run without one', { path: seccompPath });
  }
  let devices: OciDevice[] | null = null;
  return {
    ncpu: availableParallelism(),
    nofileHard: readNofileHard(),
    knownCaps: kernelCapabilities(lastCap),
    seccompProfile,
    swapAccounting: existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
    hostDevices: () => (devices ??= scanDevices('/dev')),
  };
}

/** Host device nodes for --privileged (docker gives those containers every device of the host). */
function scanDevices(dir: string, depth = 0): OciDevice[] {
  const out: OciDevice[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (depth === 0 && ['pts', 'shm', 'mqueue', 'console', 'ptmx', 'fd', 'core', 'stdin', 'stdout', 'stderr'].includes(name)) continue;
    let st;
    try {
      st = lstatSync(p, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!st) continue;
    if (st.isDirectory() && depth < 2) out.push(...scanDevices(p, depth + 1));
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = Number(st.rdev);
      const major = (rdev >> 8) & 0xfff;
      const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
      out.push({ path: p, type: st.isCharacterDevice() ? 'c' : 'b', major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
    }
  }
  return out;
}
