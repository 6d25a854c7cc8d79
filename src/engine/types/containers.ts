// Containers: the spec a caller asks for, the record the engine keeps, and the ContainerService.
//
// Lifecycle of a container (states as Docker reports them):
//
//   create ──► created ──start──► running ──(exit | stop | kill)──► exited ──rm──► (gone)
//                                   │  ▲                              │
//                                pause unpause                     start (again: same rootfs, same id)
//                                   ▼  │
//                                  paused
//
// A container's process is run by conmon (which holds its stdio, log file and exit code) with crun or
// runc; the engine can stop and start again while containers keep running and re-adopts them.
import type { Readable, Writable } from 'node:stream';
import type { Digest, ImageConfig, ImageRecord } from './images.ts';
import type { HealthConfig, HealthState } from './health.ts';
import type { MountSpec } from './volumes.ts';
import type { ContainerUpdate, ContainerSize, FidelityHostOptions, InterfaceStats } from './host-options.ts';
import type { ContainerLink, EndpointRequest, PortBinding } from './network.ts';

/** 64 hex chars */
export type ContainerId = string;

export type RestartPolicy =
  | { name: 'no' }
  | { name: 'always' }
  | { name: 'unless-stopped' }
  | { name: 'on-failure'; maximumRetryCount: number };

/**
 * docker's values: 'bridge' (the default network) | 'none' | 'host' | 'container:<id|name>' | a network's
 * name or id. The network room checks it (engine/network).
 */
export type NetworkMode = string;

/** What `docker create` asks for, already validated at the API edge. */
export interface ContainerSpec {
  name?: string;
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  env: string[];
  workingDir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  labels: Record<string, string>;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  /** absolute path of the container's log file (k8s-file = CRI's log format; the kubelet's runtime names it
   *  `<pod log dir>/<name>/<attempt>.log`); default: container.log in the container's dir. Checked at create. */
  logPath?: string;
  /** the user's healthcheck; after create, merged with the image's (issue 8, see HealthConfig) */
  healthcheck?: HealthConfig;
  host: FidelityHostOptions & {
    memory?: number; // bytes
    memorySwap?: number; // bytes, -1 unlimited
    nanoCpus?: number; // 1e9 = one cpu
    cpuShares?: number;
    cpuQuota?: number;
    cpuPeriod?: number;
    pidsLimit?: number;
    /** the cgroup the container's sits under, relative to each hierarchy's root (`kubepods/pod<uid>`: a pod's
     *  containers share one); default `skiff`. docker's CgroupParent with the cgroupfs driver */
    cgroupParent?: string;
    restartPolicy: RestartPolicy;
    autoRemove: boolean;
    networkMode: NetworkMode;
    readonlyRootfs: boolean;
    capAdd: string[];
    capDrop: string[];
    privileged: boolean;
    /** binds, volumes and tmpfs, typed (see MountSpec); checked once by the engine at create */
    mounts: MountSpec[];
    /** `--volumes-from`: `container[:ro|rw]`, as given */
    volumesFrom?: string[];
    init?: boolean;
    extraHosts?: string[];
    dns?: string[];
    shmSize?: number;
    ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
    securityOpt?: string[];
    // ---- network (issue 8)
    /** published ports, ranges already expanded */
    portBindings?: PortBinding[];
    /** -P: every exposed port (image's and the container's) to a random host port */
    publishAllPorts?: boolean;
    dnsSearch?: string[];
    dnsOptions?: string[];
    /** legacy links on the default bridge: `db:alias` gives an /etc/hosts entry */
    links?: ContainerLink[];
  };
  // ---- network (issue 8)
  /** networks to attach (keyed by the name or id the user gave); absent: the one `host.networkMode` names */
  networks?: Record<string, EndpointRequest>;
  /** '80/tcp' */
  exposedPorts?: string[];
  macAddress?: string;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt: string; // ISO, '0001-01-01T00:00:00Z' when never
  finishedAt: string;
  restartCount: number;
  /** set by an explicit `stop`/`kill` from the user: `unless-stopped`/`always` do not bring it back */
  stoppedByUser: boolean;
  /** from the first start of a container with a healthcheck on (issue 8) */
  health?: HealthState;
}

/** The persisted record of a container (written atomically on every change). */
export interface ContainerRecord {
  id: ContainerId;
  name: string; // without the leading '/'
  created: string;
  imageRef: string; // as the user wrote it
  imageId: Digest;
  spec: ContainerSpec;
  /** resolved process: entrypoint + cmd, env merged with the image's */
  path: string;
  args: string[];
  state: ContainerState;
  runtime: 'crun' | 'runc';
  logPath: string;
  hostnamePath?: string;
}

export interface ContainerFilter {
  all?: boolean;
  /** docker's filters: id, name, label, status, exited, ancestor, before, since */
  filters?: Record<string, string[]>;
  limit?: number;
}

/** Hijacked stdio of a container or exec session. */
export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** replay the log first (docker attach --logs) */
  logs?: boolean;
  /** keep streaming live output (false: only logs) */
  stream: boolean;
  detachKeys?: string;
}

/**
 * A live attachment. `output` yields chunks tagged with their stream (for a TTY everything is `stdout`);
 * it ends when the process ends or the attachment is closed. Write to `input` for stdin; end it to close stdin.
 */
export interface Attachment {
  output: AsyncIterable<{ stream: 'stdout' | 'stderr'; data: Buffer }>;
  input: Writable | null;
  close(): void;
}

export interface LogOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** unix seconds (fractions allowed) */
  since?: number;
  until?: number;
  timestamps: boolean;
  /** number of lines from the end; undefined for all */
  tail?: number;
}

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  time: string; // RFC3339Nano
  data: Buffer; // one line, with its newline unless it was partial
}

export interface ExecSpec {
  cmd: string[];
  env: string[];
  workingDir?: string;
  user?: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  privileged: boolean;
  detachKeys?: string;
}

export interface ExecRecord {
  id: string;
  containerId: ContainerId;
  spec: ExecSpec;
  running: boolean;
  exitCode: number | null;
  pid: number;
}

export interface ContainerStats {
  read: string;
  pidsCurrent: number;
  memoryUsage: number;
  memoryLimit: number;
  memoryStats: Record<string, number>;
  cpuTotalNs: number;
  cpuPercpuNs: number[];
  systemCpuNs: number;
  onlineCpus: number;
  /** by interface name (lo left out); absent with --network host/none or another container's network */
  networks?: Record<string, InterfaceStats>;
}

/** docker's container path stat (base64 JSON in X-Docker-Container-Path-Stat) */
export interface PathStat {
  name: string;
  size: number;
  mode: number; // Go os.FileMode bits (dir = 1<<31, symlink = 1<<27) | permission bits
  mtime: string;
  linkTarget: string;
}

export interface WaitResult {
  StatusCode: number;
  Error?: { Message: string };
}

/** `docker commit`'s options (issue 9), as the engine takes them (the API only parses them). */
export interface ContainerCommitOptions {
  /** NAME[:TAG] */
  ref?: string;
  comment?: string;
  author?: string;
  /** pause a running container while its changes are read (docker's default: true) */
  pause?: boolean;
  /** Dockerfile-like instructions (`--change`) applied to the new image's config */
  changes?: string[];
  /** fields that replace the container's own in the new image's config (the API's optional body) */
  config?: ImageConfig['config'];
  /** a build step's commit: exactly this config (nothing merged from the container) and this history line */
  buildStep?: { config: ImageConfig['config']; createdBy: string };
}

export interface ContainerService {
  create(spec: ContainerSpec): Promise<ContainerRecord>;
  start(id: string): Promise<void>;
  /** SIGTERM (or the stop signal), then SIGKILL after `timeoutSec` (default: spec or 10) */
  stop(id: string, opts?: { timeoutSec?: number; signal?: string }): Promise<void>;
  restart(id: string, opts?: { timeoutSec?: number; signal?: string }): Promise<void>;
  kill(id: string, signal?: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** Conflict when running unless force (which kills first) */
  remove(id: string, opts: { force: boolean; volumes?: boolean }): Promise<void>;
  rename(id: string, newName: string): Promise<void>;
  /** by full id, unique id prefix or name; NotFound otherwise */
  get(idOrName: string): Promise<ContainerRecord>;
  list(filter: ContainerFilter): Promise<ContainerRecord[]>;
  /** resolves when the condition holds: 'not-running' (default), 'next-exit', 'removed' */
  wait(id: string, condition?: 'not-running' | 'next-exit' | 'removed', signal?: AbortSignal): Promise<WaitResult>;
  attach(id: string, opts: AttachOptions): Promise<Attachment>;
  resize(id: string, height: number, width: number): Promise<void>;
  /** conmon closes and reopens the log file (CRI's ReopenContainerLog, after the kubelet renamed it) */
  reopenLog(id: string): Promise<void>;
  logs(id: string, opts: LogOptions, signal?: AbortSignal): AsyncIterable<LogEntry>;
  top(id: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  stats(id: string): Promise<ContainerStats>;
  /** a tar stream of `path` inside the container's root, with its stat (for the X-Docker-Container-Path-Stat header) */
  getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: Readable }>;
  statPath(id: string, path: string): Promise<PathStat>;
  /** unpack a tar stream into `path` inside the container's root */
  putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir?: boolean }): Promise<void>;
  prune(filters?: Record<string, string[]>): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }>;
  /** true when some container (of any state) uses the image */
  imageInUse(imageId: Digest): boolean;
  // ---- commit/diff/export (issue 9)
  /** `docker diff`: the container's changes to its image (Kind 0 modified, 1 added, 2 deleted) */
  changes(id: string): Promise<Array<{ Path: string; Kind: 0 | 1 | 2 }>>;
  /** `docker commit`: its changes as a new image on its own (paused meanwhile unless `pause: false`) */
  commit(id: string, opts: ContainerCommitOptions): Promise<ImageRecord>;
  /** `docker export`: the whole root filesystem as a tar stream */
  export(id: string): Promise<Readable>;
  /** ids of the containers (of any state) that mount the volume `name` (volumes issue 8) */
  volumeUsers(name: string): string[];

  execCreate(id: string, spec: ExecSpec): Promise<ExecRecord>;
  /** start an exec; with `attach` the caller gets its stdio (raw when tty) */
  execStart(execId: string, opts: { detach: boolean; tty: boolean }): Promise<Attachment | null>;
  execInspect(execId: string): Promise<ExecRecord>;
  execResize(execId: string, height: number, width: number): Promise<void>;
  /** drop a finished exec's record (the kubelet's probes: one every period, never inspected again) */
  execForget(execId: string): void;
  /** new limits / restart policy; applied to a live container at once, kept for later starts */
  update(id: string, update: ContainerUpdate): Promise<{ warnings: string[] }>;
  /** bytes in the writable layer, and with the image's */
  size(id: string): Promise<ContainerSize>;
}
