// The engine's contract: what the Docker API layer (engine/api) and, later, the kubelet's RuntimeService
// may call. Records are shaped after the Docker Engine API's own objects so the API layer only renames
// and filters; nothing here knows about HTTP.
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
import type { Readable, Writable, Duplex } from 'node:stream';

/** `sha256:<64 hex>` */
export type Digest = string & { readonly __digest: unique symbol };
/** 64 hex chars */
export type ContainerId = string;

// ---------------------------------------------------------------- images

/** OCI image config (application/vnd.oci.image.config.v1+json), the fields skiff uses. */
export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string;
  author?: string;
  config: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    StopSignal?: string;
    /** HEALTHCHECK (durations in ns, as docker stores them) */
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  };
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

export interface ImageRecord {
  /** config digest, as docker's image ID */
  id: Digest;
  repoTags: string[];
  repoDigests: string[];
  /** manifest digest in the content store */
  manifestDigest: Digest;
  config: ImageConfig;
  /** sum of uncompressed layer sizes */
  size: number;
  created: string;
}

/** Dockerfile-like instructions applied at import (`docker import --change`, `skiff image import --change`). */
export interface ImportOptions {
  /** NAME[:TAG]; untagged when absent */
  ref?: string;
  /** e.g. `CMD ["sh"]`, `ENV A=b`, `WORKDIR /x`, `ENTRYPOINT …`, `USER …`, `LABEL k=v`, `EXPOSE 80` */
  changes?: string[];
  message?: string;
  platform?: { os: string; architecture: string };
}

export interface RemovedImage {
  Untagged?: string;
  Deleted?: string;
}

export interface ImageService {
  list(): Promise<ImageRecord[]>;
  /** by `name[:tag]`, `name@digest`, full or short id; NotFound when absent */
  get(ref: string): Promise<ImageRecord>;
  /** import a root filesystem from a tar stream (plain or gzip) or a directory path */
  importRootfs(source: Readable | string, opts: ImportOptions): Promise<ImageRecord>;
  tag(source: string, target: string): Promise<void>;
  /** `isInUse(imageId)` says whether a container uses it: Conflict unless force */
  remove(ref: string, opts: { force: boolean; isInUse: (id: Digest) => boolean }): Promise<RemovedImage[]>;
  /** unpacked layer directories of an image, lowest first, ready to be overlay lower dirs */
  layerPaths(id: Digest): Promise<string[]>;
}

/** The snapshotter: a container's root filesystem as an overlay of image layers plus its own upper dir. */
export interface SnapshotMountOptions {
  /**
   * The changes need not survive a crash (a --rm container, as podman and CRI-O do it): no sync of the
   * upper dir ever, neither the container's fsyncs nor the sync of the whole upper filesystem that an
   * overlay unmount otherwise does (overlay's `volatile`).
   */
  volatile?: boolean;
}

export interface Snapshotter {
  /** create upper/work dirs for `key` over `lowerDirs` (idempotent) and mount the overlay at the returned path */
  mount(key: string, lowerDirs: string[], opts?: SnapshotMountOptions): Promise<string>;
  /** unmount (idempotent; the upper dir stays, so a stopped container keeps its changes) */
  unmount(key: string): Promise<void>;
  /** unmount and delete everything of `key` */
  remove(key: string): Promise<void>;
  /** upper dir of `key` (changes made by the container) */
  upperDir(key: string): string;
}

// ---------------------------------------------------------------- containers

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
  /** ids of the containers (of any state) that mount the volume `name` (volumes issue 8) */
  volumeUsers(name: string): string[];

  execCreate(id: string, spec: ExecSpec): Promise<ExecRecord>;
  /** start an exec; with `attach` the caller gets its stdio (raw when tty) */
  execStart(execId: string, opts: { detach: boolean; tty: boolean }): Promise<Attachment | null>;
  execInspect(execId: string): Promise<ExecRecord>;
  execResize(execId: string, height: number, width: number): Promise<void>;
}

export interface EngineInfo {
  id: string;
  name: string;
  root: string;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
  runtime: 'crun' | 'runc';
  runtimes: string[];
  cgroupVersion: '1' | '2';
  cgroupDriver: 'cgroupfs';
  kernelVersion: string;
  operatingSystem: string;
  ncpu: number;
  memTotal: number;
  serverVersion: string;
}

export interface Engine {
  images: ImageService;
  containers: ContainerService;
  /** what happened: every room emits here (issue 8) */
  events: EventService;
  volumes: VolumeService;
  networks: NetworkService;
  info(): Promise<EngineInfo>;
  /** stop watchers and close files; running containers keep running */
  close(): Promise<void>;
}

export type { Readable, Writable, Duplex };

// ---------------------------------------------------------------- events (issue 8)

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'builder';

/**
 * Where the engine's rooms report what happened (docker's `/events`). Rooms take an `EventSink` in their
 * options and call `emit` after the change is recorded; the events room (engine/events) implements it,
 * keeps a bounded history for `since`, and streams to subscribers. Emitting never throws and never blocks.
 */
export interface EventSink {
  emit(type: EventType, action: string, actor: { id: string; attributes?: Record<string, string> }): void;
}

/** One event as docker's `/events` sends it (API 1.50 still carries the old top-level status/id/from). */
export interface EventMessage {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  /** unix seconds */
  time: number;
  /** unix nanoseconds (beyond a double's exact range, hence bigint) */
  timeNano: bigint;
  /** container and image events: the action, the actor's id, and (containers) the image */
  status?: string;
  id?: string;
  from?: string;
}

export interface EventQuery {
  /** unix ns: past events from then on (history is bounded, as docker's 256) */
  since?: bigint;
  /** unix ns: the stream ends then (at once when it is in the past) */
  until?: bigint;
  /** docker's event filters: container, event, image, label, network, type, volume, daemon, scope, … */
  filters?: Record<string, string[]>;
}

export interface EventService extends EventSink {
  /**
   * Past events within since/until that match, oldest first, then live ones until `until` or `signal`.
   * Without since and until only live events come (docker's rule).
   */
  watch(q: EventQuery, signal?: AbortSignal): AsyncIterable<EventMessage>;
  /** live events, each one as it is emitted; returns the unsubscribe */
  subscribe(listener: (m: EventMessage) => void): () => void;
  /** subscribers now (docker info's NEventsListener) */
  listeners(): number;
}

// ---- healthchecks (issue 8)

/**
 * docker's HealthConfig. Durations are nanoseconds; 0 means "the image's, else the default" (interval 30 s,
 * timeout 30 s, start period 0, start interval 5 s, retries 3). `test`: ['CMD', prog, ...args],
 * ['CMD-SHELL', command] (run by /bin/sh -c), ['NONE'] (no healthcheck, not even the image's), or
 * empty/absent (the image's).
 */
export interface HealthConfig {
  test?: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe run: RFC 3339 times, the exit code (-1: it did not finish), at most 4 KiB of output. */
export interface HealthLogEntry {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** State.Health: `starting` at each start, then healthy / unhealthy (after `retries` failures in a row). */
export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  /** the last five probes, oldest first */
  log: HealthLogEntry[];
}

// ---- volumes (issue 8)

export type MountType = 'bind' | 'volume' | 'tmpfs';
export type MountPropagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

/**
 * One mount of a container, typed. The Docker API parses `Binds` strings, `Mounts` objects, `Tmpfs` and
 * `Config.Volumes` into these; the engine checks them once at create (absolute targets, names, duplicates,
 * bind sources), fills in anonymous volume names, image VOLUMEs and `--volumes-from`, and records the result.
 */
export interface MountSpec {
  type: MountType;
  /** bind: host path; volume: volume name ('' = anonymous until create names it); tmpfs: '' */
  source: string;
  /** absolute path inside the container */
  target: string;
  readOnly: boolean;
  propagation?: MountPropagation;
  /** volume: do not fill a new volume with the image's content at `target` */
  noCopy?: boolean;
  /** bind: a missing host path is created (`-v` does, `--mount` refuses: docker's rule) */
  createHostPath?: boolean;
  /** volume: how to create it when it does not exist yet */
  volumeOptions?: { labels?: Record<string, string>; driver?: string; driverOpts?: Record<string, string> };
  tmpfsOptions?: { sizeBytes?: number; mode?: number; /** further mount options (`exec`, `uid=…`) */ options?: string[] };
  /** where it came from, for HostConfig's round trip: Binds, Mounts, Tmpfs, Config.Volumes, image VOLUME, --volumes-from */
  origin: 'binds' | 'mounts' | 'tmpfs' | 'volumes' | 'image' | 'volumes-from';
  /** as the user wrote it: the `Binds` entry, or the `Tmpfs` value */
  raw?: string;
  /** docker's `Mode` of the mount (`-v` mode string; `z` for a local volume without one) */
  mode?: string;
  /** volume: its data dir on the host (docker's `Source`), filled in at create */
  hostPath?: string;
}

export interface VolumeRecord {
  name: string;
  driver: string;
  /** `<root>/volumes/<name>/_data` */
  mountpoint: string;
  createdAt: string;
  labels: Record<string, string>;
  /** the local driver's `type`, `device`, `o` */
  options: Record<string, string>;
  /** made for a container without a name (docker labels those com.docker.volume.anonymous) */
  anonymous: boolean;
  /** image content was copied into it once (a volume is filled only while it was never populated) */
  populated?: boolean;
}

export interface VolumeCreateOptions {
  /** absent or '': an anonymous volume with a random 64-hex name */
  name?: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
}

/** A container's use of a volume (for mount/unmount events). */
export interface VolumeUse {
  container: string;
  destination: string;
  readWrite: boolean;
  propagation: string;
}

/**
 * Volumes (docker's `local` driver): a directory `<root>/volumes/<name>/_data`, or, with `type/device/o`
 * options, a filesystem mounted there at first use and unmounted when the last user stops. The containers
 * room calls mount/unmount around a container's run; `isInUse` (given by the engine) answers for remove/prune.
 */
export interface VolumeService {
  /** idempotent for an existing name with the same driver; Conflict for another driver */
  create(opts: VolumeCreateOptions): Promise<VolumeRecord & { created: boolean }>;
  /** docker's filters: name, label, label!, dangling, driver */
  list(filters?: Record<string, string[]>): Promise<VolumeRecord[]>;
  /** NotFound: `get NAME: no such volume` */
  inspect(name: string): Promise<VolumeRecord>;
  /** Conflict while any container uses it; force only forgives a missing volume */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  /** unused anonymous volumes (all unused with the `all=true` filter) */
  prune(filters?: Record<string, string[]>): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
  /** bytes in the volume's data dir (docker's UsageData.Size) */
  size(name: string): Promise<number>;
  /** the host path to bind into a container, mounting the driver's filesystem first if it has one */
  mount(name: string, use: VolumeUse): Promise<string>;
  /** `lastUser`: no other running container uses it, so a driver filesystem is unmounted */
  unmount(name: string, use: VolumeUse, lastUser: boolean): Promise<void>;
  /**
   * Docker's copy-up, once: while the volume was never populated and its data dir is empty, `fill(dir)` runs
   * (in the volume's turn, so two starts never fill it twice); when it says it copied something, the volume
   * is marked populated and is never filled again.
   */
  populate(name: string, fill: (dataDir: string) => Promise<boolean>): Promise<void>;
}

// ---- api fidelity (issue 8)

/** `--device /dev/fuse:/dev/fuse:rwm` */
export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  /** some of r, w, m */
  cgroupPermissions: string;
}

/** HostConfig.LogConfig: the logging driver (json-file, local, none) and its options (max-size, max-file, …). */
export interface LogConfig {
  type: string;
  config: Record<string, string>;
}

/** HostConfig fields docker's SDK sends, kept as given (inspect shows them) and honoured at start. */
export interface FidelityHostOptions {
  /** '' (own namespace) | 'host' | 'container:<id|name>' */
  pidMode?: string;
  /** '' | 'host' */
  utsMode?: string;
  /** '' | 'private' | 'shareable' | 'host' | 'none' | 'container:<id|name>' */
  ipcMode?: string;
  /** group names (looked up in the container's /etc/group) or numeric gids */
  groupAdd?: string[];
  /** e.g. '0-1', '0,2' */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** `c 1:3 rwm`, `a *:* r` */
  deviceCgroupRules?: string[];
  devices?: DeviceMapping[];
  /** 'crun' | 'runc'; the daemon's default when absent */
  runtime?: string;
  sysctls?: Record<string, string>;
  /** only '' / 'default' on Linux */
  isolation?: string;
  logConfig?: LogConfig;
}

/** `docker update`: the resources (and restart policy) that change on a live container. */
export interface ContainerUpdate {
  memory?: number;
  memorySwap?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  restartPolicy?: RestartPolicy;
}

/** Disk usage of a container: bytes in its writable layer, and that plus its image's. */
export interface ContainerSize {
  sizeRw: number;
  sizeRootFs: number;
}

/** The containers room's answers for `docker update`, `ps -s` and `system df` (declaration merged). */
export interface ContainerService {
  /** new limits / restart policy; applied to a live container at once, kept for later starts */
  update(id: string, update: ContainerUpdate): Promise<{ warnings: string[] }>;
  /** bytes in the writable layer, and with the image's */
  size(id: string): Promise<ContainerSize>;
}

/** Per-interface counters of a container's network namespace (docker's stats `networks`). */
export interface InterfaceStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

export interface ContainerStats {
  /** by interface name (lo left out); absent with --network host/none or another container's network */
  networks?: Record<string, InterfaceStats>;
}

// ---------------------------------------------------------------- network (issue 8)

/** What a container asks of one network (docker's EndpointSettings at create/connect). */
export interface EndpointRequest {
  aliases?: string[];
  ipv4Address?: string;
  macAddress?: string;
  /** docker 28's gw-priority: the network with the highest gives the default route (ties: the network mode's) */
  gwPriority?: number;
}

export interface PortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** '' = every address */
  hostIp: string;
  /** 0 = a free one from 32768–60999 */
  hostPort: number;
  /** `-p 8000-8010:80`: the first free one of hostPort–hostPortEnd */
  hostPortEnd?: number;
}

export interface ContainerLink {
  /** the linked container's name or id */
  container: string;
  alias: string;
}

export interface NetworkIpamConfig {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
}

/** A network as docker reports it (`docker network inspect`, without Containers). */
export interface NetworkRecord {
  Name: string;
  /** 64 hex */
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge' | 'host' | 'null';
  EnableIPv4: true;
  EnableIPv6: false;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: NetworkIpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: false;
  ConfigFrom: { Network: string };
  ConfigOnly: false;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** One container's attachment to one network, as it is now. */
export interface Endpoint {
  containerId: ContainerId;
  networkId: string;
  networkName: string;
  endpointId: string;
  /** eth0, eth1, … inside the container */
  ifname: string;
  ipv4Address: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  /** names DNS answers with this endpoint's address: container name, aliases, short id */
  dnsNames: string[];
}

export interface PublishedPort {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

/** The live networking of a running container (none when it is not running or uses the host's). */
export interface ContainerNetworkState {
  /** /run/netns/skiff-<id>, '' for host */
  sandboxKey: string;
  endpoints: Endpoint[];
  ports: PublishedPort[];
}

export interface NetworkCreateRequest {
  name: string;
  /** bridge (default); host and null networks exist once, made by the engine */
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  enableIPv6?: boolean;
}

export interface NetworkInspect extends NetworkRecord {
  Containers: Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }>;
}

export interface NetworkService {
  /** docker's filters: name, id, label, driver, type (custom|builtin), dangling */
  list(filters?: Record<string, string[]>): Promise<NetworkRecord[]>;
  /** by full id, unique id prefix or name; NotFound otherwise */
  inspect(idOrName: string): Promise<NetworkInspect>;
  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }>;
  /** refused for the predefined networks and while containers are attached */
  remove(idOrName: string): Promise<void>;
  prune(filters?: Record<string, string[]>): Promise<{ NetworksDeleted: string[] }>;
  /** recorded in the container's spec (a restart re-attaches); a running container is attached at once */
  connect(idOrName: string, container: string, endpoint: EndpointRequest): Promise<void>;
  disconnect(idOrName: string, container: string, force: boolean): Promise<void>;
  /** a running container's live networking */
  containerState(containerId: ContainerId): ContainerNetworkState | undefined;
}

/** Paths of the files bind-mounted over the container's /etc. */
export interface EtcFilePaths {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

/**
 * What the containers room asks of the network room: checks at create, the sandbox at start (the OCI
 * spec joins `netnsPath`; null = the host's namespace), and its teardown when the process exits or the
 * container goes. tearDown is idempotent.
 */
export interface ContainerNetworking {
  checkSpec(spec: ContainerSpec, image: ImageRecord): Promise<ContainerSpec>;
  setUp(rec: ContainerRecord, files: EtcFilePaths): Promise<{ netnsPath: string | null }>;
  tearDown(rec: ContainerRecord): Promise<void>;
  /** the container's DNS name follows a rename */
  renamed(rec: ContainerRecord, oldName: string): Promise<void>;
  /** a running container's endpoints and published ports (ps filters publish/expose/network) */
  state(id: string): ContainerNetworkState | undefined;
}
