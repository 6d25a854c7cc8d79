// The kubelet's seam: a RuntimeService and an ImageService shaped after Kubernetes' CRI (v1), implemented
// in-process over the engine's own rooms (engine/runtime/), never over the Docker API and with no Docker
// types in it. The kubelet (cluster/kubelet) imports only these types; `skiff agent` composes the two.
//
//   kubelet ──RuntimeService──► engine/runtime ──► containers / network / volumes / images rooms
//
// Made by `createRuntimeService(engine, { podCIDR, bridge? })` (src/engine/index.ts) → { runtime, images, events }.
//
// A pod sandbox is an infrastructure ("pause") container holding the pod's network, IPC and UTS
// namespaces; the pod's containers join them. Settings are checked once, in the engine (the runtime only
// maps CRI shapes onto ContainerSpec); mounts are typed. Names follow CRI's field names in camelCase.
// Timestamps are unix nanoseconds in a number (CRI's int64; a double keeps them to ~0.25 µs).
import type { Readable, Writable, Duplex } from 'node:stream';

export interface KeyValue { key: string; value: string }

/** CRI's PodSandboxMetadata / ContainerMetadata */
export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface ContainerMetadata { name: string; attempt: number }

export interface PortMapping { protocol: 'TCP' | 'UDP' | 'SCTP'; containerPort: number; hostPort?: number; hostIp?: string }

export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  /** bytes; 0 or absent: unlimited */
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  hugepageLimits?: Array<{ pageSize: string; limit: number }>;
  unified?: Record<string, string>;
  memorySwapLimitInBytes?: number;
}

export interface Capability { addCapabilities: string[]; dropCapabilities: string[] }

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  /** the pod's namespaces a container shares: POD (default for network/ipc/uts), CONTAINER, NODE */
  namespaceOptions?: NamespaceOption;
  runAsUser?: number;
  runAsGroup?: number;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  noNewPrivs?: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccompProfile?: { profileType: 'RuntimeDefault' | 'Unconfined' | 'Localhost'; localhostRef?: string };
  apparmorProfile?: string;
}

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export interface NamespaceOption { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode; targetId?: string }

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  /** where the pod's container logs go: <logDirectory>/<container.logPath> (CRI log format, as conmon's k8s-file) */
  logDirectory: string;
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
  portMappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: {
    cgroupParent?: string;
    securityContext?: {
      namespaceOptions?: NamespaceOption;
      runAsUser?: number;
      runAsGroup?: number;
      readonlyRootfs?: boolean;
      supplementalGroups?: number[];
      privileged?: boolean;
      seccompProfile?: LinuxContainerSecurityContext['seccompProfile'];
    };
    sysctls: Record<string, string>;
    /** the pod's overhead + sum of its containers' limits (the pod cgroup) */
    resources?: LinuxContainerResources;
  };
}

export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  /** unix ns */
  createdAt: number;
  network: { ip: string; additionalIps: Array<{ ip: string }> };
  linux?: { namespaces: { options: NamespaceOption } };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler?: string;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxFilter { id?: string; state?: PodSandboxState; labelSelector?: Record<string, string> }

/** A mount, typed (CRI's Mount): a host path into the container. emptyDir, configMap, secret … are host
 *  dirs the kubelet prepares; tmpfs-backed ones (emptyDir medium Memory) are the kubelet's tmpfs mounts. */
export interface CriMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  selinuxRelabel?: boolean;
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

export interface ImageSpec { image: string; annotations?: Record<string, string>; userSpecifiedImage?: string }

export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  /** the image's ENTRYPOINT is replaced when set (Kubernetes' command) */
  command: string[];
  /** the image's CMD is replaced when set (Kubernetes' args) */
  args: string[];
  workingDir?: string;
  envs: KeyValue[];
  mounts: CriMount[];
  devices?: Array<{ containerPath: string; hostPath: string; permissions: string }>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** relative to the sandbox's logDirectory */
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  linux: { resources?: LinuxContainerResources; securityContext?: LinuxContainerSecurityContext };
  /** the signal the image asks for (Kubernetes 1.30+), e.g. SIGTERM */
  stopSignal?: string;
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  /** unix ns; 0 when not yet */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: ImageSpec;
  /** the image id (sha256:…) it runs */
  imageRef: string;
  /** short CamelCase reason: Completed, Error, OOMKilled, ContainerCannotRun … */
  reason: string;
  /** human-readable detail (a start error's message) */
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: CriMount[];
  /** absolute path of its log file */
  logPath: string;
  resources?: { linux?: LinuxContainerResources };
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: ImageSpec;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter { id?: string; state?: ContainerState; podSandboxId?: string; labelSelector?: Record<string, string> }

export interface ContainerStats {
  id: string;
  metadata: ContainerMetadata;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** unix ns of the reading */
  timestamp: number;
  cpu: { usageCoreNanoSeconds: number; usageNanoCores?: number };
  memory: { workingSetBytes: number; usageBytes?: number; rssBytes?: number; pageFaults?: number };
  writableLayer?: { usedBytes: number; inodesUsed?: number };
}

export interface PodSandboxStats {
  id: string;
  metadata: PodSandboxMetadata;
  timestamp: number;
  cpu: { usageCoreNanoSeconds: number; usageNanoCores?: number };
  memory: { workingSetBytes: number; usageBytes?: number };
  network?: { interfaces: Array<{ name: string; rxBytes: number; txBytes: number }> };
  containers: ContainerStats[];
}

/** A live stream session (exec or attach), in-process: what CRI's streaming server would carry. */
export interface StreamSession {
  /** null unless stdin was asked for; end() closes the process's stdin */
  stdin: Writable | null;
  stdout: Readable | null;
  /** null with a TTY (everything comes on stdout) or when not asked for */
  stderr: Readable | null;
  /** terminal size (TTY only) */
  resize(width: number, height: number): Promise<void>;
  /** the exit code (exec); attach resolves when the container's process exits or the session closes */
  done: Promise<{ exitCode: number }>;
  close(): void;
}

export interface ExecRequest { containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface AttachRequest { containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }

export interface RuntimeService {
  version(): Promise<{ version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }>;
  /** conditions RuntimeReady and NetworkReady */
  status(): Promise<{ conditions: Array<{ type: 'RuntimeReady' | 'NetworkReady'; status: boolean; reason?: string; message?: string }> }>;

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** stops every container of the pod and the sandbox; releases the pod's IP. Idempotent. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** removes the sandbox and every container in it. Idempotent (an unknown id is not an error). */
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** the stop signal, then SIGKILL after `timeoutSec`; idempotent on a stopped container */
  stopContainer(containerId: string, timeoutSec: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  updateContainerResources(containerId: string, resources: LinuxContainerResources): Promise<void>;
  reopenContainerLog(containerId: string): Promise<void>;

  /** run a command to completion (probes); a timeout kills it and rejects with a DeadlineExceeded-like error */
  execSync(containerId: string, cmd: string[], timeoutSec: number): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }>;
  exec(req: ExecRequest): Promise<StreamSession>;
  attach(req: AttachRequest): Promise<StreamSession>;
  /** a TCP connection to `port` on the pod's loopback, opened inside its network namespace */
  portForward(podSandboxId: string, port: number): Promise<Duplex>;

  containerStats(containerId: string): Promise<ContainerStats>;
  listContainerStats(filter?: { id?: string; podSandboxId?: string; labelSelector?: Record<string, string> }): Promise<ContainerStats[]>;
  podSandboxStats(podSandboxId: string): Promise<PodSandboxStats>;
}

/** CRI's ContainerEventType: what happened to a container or a sandbox (a sandbox is its pause container) */
export type ContainerEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';

/** CRI's ContainerEventResponse, narrowed to what a listener needs to find the pod */
export interface ContainerEvent {
  /** the container's id, or the sandbox's for a sandbox's own events */
  containerId: string;
  type: ContainerEventType;
  /** unix ns */
  createdAt: number;
  /** the pod's sandbox id (the sandbox's own id for a sandbox) */
  podSandboxId: string;
  /** the CRI labels it was created with (the kubelet finds the pod by its uid label) */
  labels: Record<string, string>;
}

/**
 * CRI's GetContainerEvents (the evented PLEG), an optional ability of a runtime: a listener hears every
 * container and sandbox change as it happens (an exit the moment conmon records it), so the kubelet wakes the
 * pod then instead of at its next relist. Delivery is best effort — the relist stays as the safety net.
 */
export interface RuntimeEvents {
  /** hear every event from now on; returns the unsubscribe */
  containerEvents(listener: (e: ContainerEvent) => void): () => void;
}

export interface Image {
  /** sha256:… (the image id) */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid?: number;
  username: string;
  spec?: ImageSpec;
  pinned: boolean;
}

export interface AuthConfig { username?: string; password?: string; auth?: string; serverAddress?: string; identityToken?: string; registryToken?: string }

export interface ImageService {
  listImages(filter?: { image?: ImageSpec }): Promise<Image[]>;
  /** null when the image is not here */
  imageStatus(image: ImageSpec): Promise<Image | null>;
  /** returns the image id; registry errors keep the registry's reason in their message (ErrImagePull shows it) */
  pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  removeImage(image: ImageSpec): Promise<void>;
  imageFsInfo(): Promise<Array<{ timestamp: number; mountpoint: string; usedBytes: number; inodesUsed: number }>>;
}
