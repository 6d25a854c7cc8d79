// CRI shapes onto the engine's ContainerSpec (pure): a sandbox's pause container, and a pod container that
// joins the sandbox's network, IPC and UTS namespaces. Only shapes are mapped here; the engine's create
// checks every setting once (limits, capabilities, mounts, namespaces), as for a docker create.
import { join, normalize } from 'node:path';
import type { ContainerSpec, MountPropagation, MountSpec, PortBinding } from '../types.ts';
import type * as Cri from '../types/runtime.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { CONTAINER, KIND, METADATA, SANDBOX, SANDBOX_ID, containerName, encodeLabels, sandboxName, type ContainerFacts, type SandboxFacts } from './labels.ts';

const propagation: Record<NonNullable<Cri.CriMount['propagation']>, MountPropagation> = {
  PROPAGATION_PRIVATE: 'rprivate',
  PROPAGATION_HOST_TO_CONTAINER: 'rslave',
  PROPAGATION_BIDIRECTIONAL: 'rshared',
};

function baseSpec(name: string, image: string, labels: Record<string, string>, host: Partial<ContainerSpec['host']>): ContainerSpec {
  return {
    name, image, env: [], labels, tty: false, openStdin: false, stdinOnce: false,
    attachStdin: false, attachStdout: true, attachStderr: true,
    host: { restartPolicy: { name: 'no' }, autoRemove: false, networkMode: 'none', readonlyRootfs: false, capAdd: [], capDrop: [], privileged: false, mounts: [], ...host },
  };
}

export function sandboxFacts(config: Cri.PodSandboxConfig, runtimeHandler: string, cgroupParent = ''): SandboxFacts {
  const ns = config.linux.securityContext?.namespaceOptions;
  return {
    hostname: config.hostname,
    logDirectory: config.logDirectory,
    hostNetwork: ns?.network === 'NODE',
    sharedPid: ns?.pid === 'POD',
    hostPid: ns?.pid === 'NODE',
    hostIpc: ns?.ipc === 'NODE',
    runtimeHandler,
    ...(cgroupParent ? { cgroupParent } : {}),
  };
}

function portBindings(mappings: Cri.PortMapping[]): PortBinding[] {
  const out: PortBinding[] = [];
  for (const m of mappings) {
    if (!m.hostPort) continue; // a containerPort alone is documentation, as in Kubernetes
    if (m.protocol === 'SCTP') throw invalidArgument(`hostPort ${m.hostPort}/SCTP: only TCP and UDP ports can be published`);
    out.push({ containerPort: m.containerPort, protocol: m.protocol === 'UDP' ? 'udp' : 'tcp', hostIp: m.hostIp ?? '', hostPort: m.hostPort });
  }
  return out;
}

/** The pause container of a sandbox on `network` (an engine network's name, or 'host'). */
export function sandboxSpec(config: Cri.PodSandboxConfig, facts: SandboxFacts, image: string, network: string): ContainerSpec {
  const dns = config.dnsConfig;
  const labels = {
    ...encodeLabels(config.labels, config.annotations),
    [KIND]: 'sandbox', [METADATA]: JSON.stringify(config.metadata), [SANDBOX]: JSON.stringify(facts),
  };
  const spec = baseSpec(sandboxName(config.metadata), image, labels, {
    networkMode: facts.hostNetwork ? 'host' : network,
    // the pod's containers join its IPC namespace: the donor must be shareable
    ipcMode: facts.hostIpc ? 'host' : 'shareable',
    ...(facts.hostPid ? { pidMode: 'host' } : {}),
    ...(facts.hostNetwork ? { utsMode: 'host' } : {}),
    ...(dns?.servers.length ? { dns: dns.servers } : {}),
    ...(dns?.searches.length ? { dnsSearch: dns.searches } : {}),
    ...(dns?.options.length ? { dnsOptions: dns.options } : {}),
    ...(facts.hostNetwork ? {} : { portBindings: portBindings(config.portMappings) }),
    ...(Object.keys(config.linux.sysctls ?? {}).length ? { sysctls: { ...config.linux.sysctls } } : {}),
    ...(facts.cgroupParent ? { cgroupParent: facts.cgroupParent } : {}),
    // the sandbox's seccomp is the pod-level profile by the same CRI rule as a container's (containerd's):
    // none asked for is unconfined (the pause process only waits), and crun compiles no filter for it
    securityOpt: securityOpts(config.linux.securityContext),
  });
  if (!facts.hostNetwork && config.hostname) spec.hostname = config.hostname;
  spec.attachStdout = spec.attachStderr = false;
  return spec;
}

function userOf(sc: Cri.LinuxContainerSecurityContext | undefined): string | undefined {
  if (sc?.runAsUser !== undefined) return sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
  if (sc?.runAsUsername) return sc.runAsGroup !== undefined ? `${sc.runAsUsername}:${sc.runAsGroup}` : sc.runAsUsername;
  return undefined;
}

function securityOpts(sc: Pick<Cri.LinuxContainerSecurityContext, 'noNewPrivs' | 'seccompProfile'> | undefined): string[] {
  const out: string[] = [];
  if (sc?.noNewPrivs) out.push('no-new-privileges:true');
  const seccomp = sc?.seccompProfile?.profileType;
  // CRI: no profile means unconfined (containerd's rule); RuntimeDefault is the engine's default profile
  if (!seccomp || seccomp === 'Unconfined') out.push('seccomp=unconfined');
  else if (seccomp === 'Localhost') throw invalidArgument(`seccomp profile ${sc?.seccompProfile?.localhostRef ?? ''}: Localhost profiles are not supported`);
  return out;
}

function bindMount(m: Cri.CriMount): MountSpec {
  if (!m.containerPath.startsWith('/')) throw invalidArgument(`invalid mount: container path ${JSON.stringify(m.containerPath)} is not absolute`);
  if (!m.hostPath.startsWith('/')) throw invalidArgument(`invalid mount: host path ${JSON.stringify(m.hostPath)} is not absolute`);
  return {
    type: 'bind', source: m.hostPath, target: m.containerPath, readOnly: m.readonly, origin: 'mounts',
    // as containerd: a missing host path is made (the kubelet makes those it means to)
    createHostPath: true,
    ...(m.propagation ? { propagation: propagation[m.propagation] } : {}),
  };
}

/** `<logDirectory>/<logPath>`, kept inside the log directory; undefined when the kubelet asked for none. */
export function containerLogPath(logDirectory: string, logPath: string): string | undefined {
  if (!logDirectory || !logPath) return undefined;
  const full = normalize(join(logDirectory, logPath));
  if (!full.startsWith(normalize(logDirectory + '/'))) throw invalidArgument(`log path ${JSON.stringify(logPath)} leaves the pod's log directory`);
  return full;
}

/** the container whose PID namespace a TARGET-mode container joins */
function targetOf(ns: Cri.NamespaceOption | undefined): string {
  if (!ns?.targetId) throw invalidArgument('a container in TARGET PID mode needs the target container\'s id');
  return ns.targetId;
}

/** A pod container: it joins `sandboxId`'s network, IPC and UTS namespaces (and its PID one when shared). */
export function podContainerSpec(sandboxId: string, pod: Cri.PodSandboxMetadata, sb: SandboxFacts, cfg: Cri.ContainerConfig): ContainerSpec {
  const sc = cfg.linux.securityContext;
  const r = cfg.linux.resources;
  const logPath = containerLogPath(sb.logDirectory, cfg.logPath);
  const facts: ContainerFacts = { image: cfg.image, mounts: cfg.mounts, logPath: logPath ?? '', ...(r ? { resources: r } : {}) };
  const labels = {
    ...encodeLabels(cfg.labels, cfg.annotations),
    [KIND]: 'container', [SANDBOX_ID]: sandboxId, [METADATA]: JSON.stringify(cfg.metadata), [CONTAINER]: JSON.stringify(facts),
  };
  const pidMode = sc?.namespaceOptions?.pid ?? (sb.hostPid ? 'NODE' : sb.sharedPid ? 'POD' : 'CONTAINER');
  const spec = baseSpec(containerName(cfg.metadata, pod), cfg.image.image, labels, {
    networkMode: `container:${sandboxId}`,
    ...(sb.cgroupParent ? { cgroupParent: sb.cgroupParent } : {}),
    ipcMode: sb.hostIpc ? 'host' : `container:${sandboxId}`,
    utsMode: sb.hostNetwork ? 'host' : `container:${sandboxId}`,
    // TARGET: another container's PID namespace (an ephemeral container debugging it, CRI's target_id)
    ...(pidMode === 'NODE' ? { pidMode: 'host' } : pidMode === 'POD' ? { pidMode: `container:${sandboxId}` }
      : pidMode === 'TARGET' ? { pidMode: `container:${targetOf(sc?.namespaceOptions)}` } : {}),
    readonlyRootfs: !!sc?.readonlyRootfs,
    capAdd: sc?.capabilities?.addCapabilities ?? [],
    capDrop: sc?.capabilities?.dropCapabilities ?? [],
    privileged: !!sc?.privileged,
    securityOpt: securityOpts(sc),
    mounts: cfg.mounts.map(bindMount),
    ...(sc?.supplementalGroups?.length ? { groupAdd: sc.supplementalGroups.map(String) } : {}),
    ...(cfg.devices?.length ? { devices: cfg.devices.map((d) => ({ pathOnHost: d.hostPath, pathInContainer: d.containerPath, cgroupPermissions: d.permissions })) } : {}),
    ...(r?.memoryLimitInBytes ? { memory: r.memoryLimitInBytes } : {}),
    ...(r?.memorySwapLimitInBytes ? { memorySwap: r.memorySwapLimitInBytes } : {}),
    ...(r?.cpuShares ? { cpuShares: r.cpuShares } : {}),
    ...(r?.cpuQuota && r.cpuQuota > 0 ? { cpuQuota: r.cpuQuota } : {}),
    ...(r?.cpuPeriod ? { cpuPeriod: r.cpuPeriod } : {}),
    ...(r?.cpusetCpus ? { cpusetCpus: r.cpusetCpus } : {}),
    ...(r?.cpusetMems ? { cpusetMems: r.cpusetMems } : {}),
  });
  // Kubernetes' command replaces the image's ENTRYPOINT (and drops its CMD unless args are given); args
  // replace its CMD: the engine's merge follows docker's rules, which are these
  if (cfg.command.length) spec.entrypoint = [...cfg.command];
  if (cfg.args.length) spec.cmd = [...cfg.args];
  // the pod's hostname, as containerd sets it (the UTS namespace is the sandbox's)
  spec.env = [...(sb.hostname ? [`HOSTNAME=${sb.hostname}`] : []), ...cfg.envs.map((e) => `${e.key}=${e.value}`)];
  if (cfg.workingDir) spec.workingDir = cfg.workingDir;
  const user = userOf(sc);
  if (user) spec.user = user;
  spec.tty = cfg.tty;
  spec.openStdin = spec.attachStdin = cfg.stdin;
  spec.stdinOnce = cfg.stdinOnce;
  if (cfg.stopSignal) spec.stopSignal = cfg.stopSignal;
  if (logPath) spec.logPath = logPath;
  return spec;
}
