// Engine records in the shapes docker clients read: `docker inspect` (container and image), `docker ps`,
// `docker images`.
import type { ContainerNetworkState, ContainerRecord, ImageConfig, ImageRecord } from '../types.ts';
import { healthcheckJson, healthJson, healthSuffix } from './health.ts';
import { networkSettingsJson, networksJson, portBindingsJson, summaryPorts } from './inspect-network.ts';
import { humanDuration } from '../../lib/units.ts';
import { configVolumes, hostConfigMounts, mountPoints } from './mounts.ts';
import { hostConfigOfOptions } from './host-config.ts';
import { API_VERSION, compareVersions } from './router.ts';

const zeroTime = '0001-01-01T00:00:00Z';
const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000) || 0;

/** docker's State.String(): `Up 3 seconds`, `Exited (0) 2 minutes ago`, `Created`, … */
export function statusText(r: ContainerRecord, now = Date.now()): string {
  const s = r.state;
  const since = (iso: string) => humanDuration(Math.max(0, now - Date.parse(iso)));
  switch (s.status) {
    case 'running':
      return `Up ${since(s.startedAt)}${healthSuffix(s.health)}`;
    case 'paused':
      return `Up ${since(s.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${since(s.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      return s.finishedAt === zeroTime ? 'Exited' : `Exited (${s.exitCode}) ${since(s.finishedAt)} ago`;
  }
}

export function containerSummary(r: ContainerRecord, net?: ContainerNetworkState): Record<string, unknown> {
  return {
    Id: r.id,
    Names: [`/${r.name}`],
    Image: r.imageRef,
    ImageID: r.imageId,
    Command: [r.path, ...r.args].join(' '),
    Created: unixSeconds(r.created),
    Ports: summaryPorts(r, net),
    Labels: r.spec.labels,
    State: r.state.status,
    Status: statusText(r),
    HostConfig: { NetworkMode: r.spec.host.networkMode },
    NetworkSettings: { Networks: networksJson(r, net) },
    Mounts: mountPoints(r.spec),
  };
}

/** `docker inspect CONTAINER`. `image` (when still present) fills in what the container inherits. */
export function containerInspect(r: ContainerRecord, image?: ImageConfig, net?: ContainerNetworkState): Record<string, unknown> {
  const s = r.state;
  const h = r.spec.host;
  const ic = image?.config ?? {};
  const entrypoint = r.spec.entrypoint ?? ic.Entrypoint ?? null;
  return {
    Id: r.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: {
      Status: s.status,
      Running: s.status === 'running' || s.status === 'paused',
      Paused: s.status === 'paused',
      Restarting: s.status === 'restarting',
      OOMKilled: s.oomKilled,
      Dead: s.status === 'dead',
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
      ...(s.health ? { Health: healthJson(s.health) } : {}),
    },
    Image: r.imageId,
    ResolvConfPath: r.hostnamePath ? r.hostnamePath.replace(/hostname$/, 'resolv.conf') : '',
    HostnamePath: r.hostnamePath ?? '',
    HostsPath: r.hostnamePath ? r.hostnamePath.replace(/hostname$/, 'hosts') : '',
    LogPath: r.logPath,
    Name: `/${r.name}`,
    RestartCount: s.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      ...hostConfigMounts(r.spec),
      ContainerIDFile: '',
      LogConfig: { Type: 'json-file', Config: {} },
      NetworkMode: h.networkMode,
      PortBindings: portBindingsJson(h.portBindings),
      RestartPolicy: { Name: h.restartPolicy.name, MaximumRetryCount: h.restartPolicy.name === 'on-failure' ? h.restartPolicy.maximumRetryCount : 0 },
      AutoRemove: h.autoRemove,
      VolumeDriver: '',
      CapAdd: h.capAdd.length ? h.capAdd : null,
      CapDrop: h.capDrop.length ? h.capDrop : null,
      CgroupnsMode: 'private',
      Dns: h.dns ?? [],
      DnsOptions: h.dnsOptions ?? [],
      DnsSearch: h.dnsSearch ?? [],
      ExtraHosts: h.extraHosts ?? null,
      GroupAdd: null,
      IpcMode: 'private',
      Cgroup: '',
      Links: h.links?.length ? h.links.map((l) => `/${l.container}:/${r.name}/${l.alias}`) : null,
      OomScoreAdj: 0,
      PidMode: '',
      Privileged: h.privileged,
      PublishAllPorts: h.publishAllPorts ?? false,
      ReadonlyRootfs: h.readonlyRootfs,
      SecurityOpt: h.securityOpt ?? null,
      UTSMode: '',
      UsernsMode: '',
      ShmSize: h.shmSize ?? 64 * 1024 * 1024,
      Runtime: r.runtime,
      Isolation: '',
      CpuShares: h.cpuShares ?? 0,
      Memory: h.memory ?? 0,
      NanoCpus: h.nanoCpus ?? 0,
      CgroupParent: h.cgroupParent ?? '',
      CpuPeriod: h.cpuPeriod ?? 0,
      CpuQuota: h.cpuQuota ?? 0,
      CpusetCpus: '',
      CpusetMems: '',
      Devices: [],
      MemoryReservation: 0,
      MemorySwap: h.memorySwap ?? 0,
      MemorySwappiness: null,
      OomKillDisable: false,
      PidsLimit: h.pidsLimit ?? null,
      Ulimits: h.ulimits ?? [],
      Init: h.init ?? null,
      MaskedPaths: h.privileged ? null : ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'],
      ReadonlyPaths: h.privileged ? null : ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      ...hostConfigOfOptions(h),
    },
    GraphDriver: { Name: 'overlay2', Data: null },
    Mounts: mountPoints(r.spec),
    Config: {
      Hostname: r.spec.hostname ?? r.id.slice(0, 12),
      Domainname: r.spec.domainname ?? '',
      User: r.spec.user ?? ic.User ?? '',
      AttachStdin: r.spec.attachStdin,
      AttachStdout: r.spec.attachStdout,
      AttachStderr: r.spec.attachStderr,
      ExposedPorts: r.spec.exposedPorts?.length ? Object.fromEntries(r.spec.exposedPorts.map((p) => [p, {}])) : ic.ExposedPorts,
      Tty: r.spec.tty,
      OpenStdin: r.spec.openStdin,
      StdinOnce: r.spec.stdinOnce,
      Env: mergeEnv(ic.Env ?? [], r.spec.env),
      // an explicit entrypoint drops the image's CMD, as docker does
      Cmd: r.spec.cmd ?? (r.spec.entrypoint ? null : (ic.Cmd ?? null)),
      Image: r.imageRef,
      Volumes: configVolumes(r.spec, ic.Volumes),
      WorkingDir: r.spec.workingDir ?? ic.WorkingDir ?? '',
      Entrypoint: entrypoint,
      OnBuild: null,
      Labels: { ...(ic.Labels ?? {}), ...r.spec.labels },
      ...(r.spec.stopSignal ?? ic.StopSignal ? { StopSignal: r.spec.stopSignal ?? ic.StopSignal } : {}),
      ...(r.spec.stopTimeout !== undefined ? { StopTimeout: r.spec.stopTimeout } : {}),
      ...(r.spec.healthcheck ? { Healthcheck: healthcheckJson(r.spec.healthcheck) } : {}),
    },
    NetworkSettings: networkSettingsJson(r, net),
  };
}

/** Image env first, the container's own entries override by name. */
export function mergeEnv(base: string[], own: string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...own]) out.set(e.split('=')[0], e);
  return [...out.values()];
}

// ---------------------------------------------------------------- images

export function imageSummary(i: ImageRecord, containers = -1): Record<string, unknown> {
  return {
    Id: i.id,
    ParentId: i.parent ?? '',
    RepoTags: i.repoTags,
    RepoDigests: i.repoDigests,
    Created: unixSeconds(i.created),
    Size: i.size,
    SharedSize: -1,
    Labels: i.config.config.Labels ?? {},
    Containers: containers,
  };
}

/**
 * `docker image inspect` as the client's API version reads it. `Container` and `ContainerConfig` (the classic
 * builder's) stay at every version, as podman serves them: docker dropped them at 1.45, but docker-compose
 * 1.29 negotiates the newest version and then reads `ContainerConfig.Volumes` whenever it recreates a
 * container (a KeyError without it). `VirtualSize` went at 1.44, as in docker.
 */
export function imageInspect(i: ImageRecord, apiVersion = API_VERSION): Record<string, unknown> {
  const body = imageInspectLatest(i);
  if (compareVersions(apiVersion, '1.44') < 0) body.VirtualSize = i.size;
  body.Container = '';
  // the classic builder's last step ran under the image's own config (only its Cmd was the step's line)
  body.ContainerConfig = body.Config;
  return body;
}

function imageInspectLatest(i: ImageRecord): Record<string, unknown> {
  const c = i.config.config;
  return {
    Id: i.id,
    RepoTags: i.repoTags,
    RepoDigests: i.repoDigests,
    Parent: i.parent ?? '',
    Comment: i.config.history?.at(-1)?.comment ?? '',
    Created: i.created,
    DockerVersion: '',
    Author: i.config.author ?? '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: c.User ?? '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: c.ExposedPorts,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: c.Env ?? null,
      Cmd: c.Cmd ?? null,
      Image: '',
      Volumes: c.Volumes ?? null,
      WorkingDir: c.WorkingDir ?? '',
      Entrypoint: c.Entrypoint ?? null,
      OnBuild: null,
      Labels: c.Labels ?? null,
      ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
      ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    },
    Architecture: i.config.architecture,
    Os: i.config.os,
    Size: i.size,
    GraphDriver: { Name: 'overlay2', Data: null },
    RootFS: { Type: 'layers', Layers: i.config.rootfs.diff_ids },
    Metadata: { LastTagTime: zeroTime },
  };
}

export function imageHistory(i: ImageRecord, ancestors: ImageRecord[] = []): Array<Record<string, unknown>> {
  // a row is an ancestor's own when its history ends there (each build step's image adds one row)
  const byRow = new Map(ancestors.filter((a) => a.config.history?.length).map((a) => [a.config.history!.length - 1, a]));
  const history = i.config.history ?? [];
  const rows = history.length ? history : [{ created: i.created, created_by: '', comment: '' }];
  // each row that made a layer shows that layer's size (rows in order, layers lowest first), as docker
  let layer = 0;
  const sizeOf = (h: { empty_layer?: boolean }, last: boolean) => {
    if (h.empty_layer) return 0;
    if (!i.layerSizes) return last ? i.size : 0;
    return i.layerSizes[layer++] ?? 0;
  };
  return rows
    .map((h, n) => ({
      Id: n === rows.length - 1 ? i.id : (byRow.get(n)?.id ?? '<missing>'),
      Created: unixSeconds(h.created ?? i.created),
      CreatedBy: h.created_by ?? '',
      Tags: n === rows.length - 1 ? i.repoTags : (byRow.get(n)?.repoTags.length ? byRow.get(n)!.repoTags : null),
      Size: sizeOf(h, n === rows.length - 1),
      Comment: h.comment ?? '',
    }))
    .reverse();
}
