// A service's container as the Docker API's create body (Config + HostConfig + NetworkingConfig): the typed
// model rendered into docker's shapes, nothing checked here (the engine checks every setting once).
import type { Project, Service, ServiceVolume } from '../types.ts';

export interface CreateBody {
  [key: string]: unknown;
  Labels: Record<string, string>;
  HostConfig: Record<string, unknown>;
  NetworkingConfig?: { EndpointsConfig: Record<string, { Aliases?: string[]; IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } }> };
}

export interface SpecOptions {
  image: string;
  name: string;
  labels: Record<string, string>;
  /** `network_mode: service:X` resolved to X's container id */
  networkModeContainer?: string;
  /** compose run: the command, entrypoint, environment and tty the user gave */
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  tty?: boolean;
  stdinOpen?: boolean;
  /** compose run without --service-ports: no published ports */
  noPorts?: boolean;
}

export function createBody(project: Project, service: Service, o: SpecOptions): CreateBody {
  const env = { ...service.environment, ...o.env };
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const e of service.expose) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  for (const p of service.ports) {
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    if (o.noPorts) continue;
    (bindings[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.published ?? '' });
  }
  const hc = service.healthcheck;
  const r = service.resources;
  const { mode, endpoints } = networking(project, service, o);
  const hostConfig: Record<string, unknown> = {
    Mounts: service.volumes.map((v) => mountOf(project, v)),
    PortBindings: bindings,
    RestartPolicy: restartPolicy(service.restart),
    NetworkMode: mode,
    Init: service.init,
    Privileged: service.privileged ?? false,
    ReadonlyRootfs: service.readOnly ?? false,
    CapAdd: service.capAdd.length ? service.capAdd : undefined,
    CapDrop: service.capDrop.length ? service.capDrop : undefined,
    ExtraHosts: service.extraHosts.length ? service.extraHosts : undefined,
    Dns: service.dns.length ? service.dns : undefined,
    DnsSearch: service.dnsSearch.length ? service.dnsSearch : undefined,
    Tmpfs: service.tmpfs.length ? Object.fromEntries(service.tmpfs.map(tmpfsEntry)) : undefined,
    Memory: r.memory, MemoryReservation: r.memoryReservation, MemorySwap: r.memorySwap, NanoCpus: r.nanoCpus,
    CpuShares: r.cpuShares, PidsLimit: r.pidsLimit, ShmSize: r.shmSize,
    Ulimits: r.ulimits.length ? r.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) : undefined,
    Sysctls: Object.keys(r.sysctls).length ? r.sysctls : undefined,
    LogConfig: service.logging ? { Type: service.logging.driver ?? '', Config: service.logging.options } : undefined,
  };
  return {
    Hostname: service.hostname,
    Domainname: service.domainname,
    User: service.user,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    Tty: o.tty ?? service.tty ?? false,
    OpenStdin: o.stdinOpen ?? service.stdinOpen ?? false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Cmd: o.command ?? service.command,
    Entrypoint: o.entrypoint ?? service.entrypoint,
    Image: o.image,
    WorkingDir: service.workingDir,
    Labels: o.labels,
    StopSignal: service.stopSignal,
    StopTimeout: service.stopGracePeriod,
    Healthcheck: hc ? { Test: hc.test, Interval: hc.interval, Timeout: hc.timeout, Retries: hc.retries, StartPeriod: hc.startPeriod, StartInterval: hc.startInterval } : undefined,
    HostConfig: hostConfig,
    NetworkingConfig: endpoints ? { EndpointsConfig: endpoints } : undefined,
  };
}

/** The network mode and endpoints: every network the service joins, aliased by service name, container name and its aliases. */
function networking(project: Project, service: Service, o: SpecOptions): { mode: string | undefined; endpoints?: NonNullable<CreateBody['NetworkingConfig']>['EndpointsConfig'] } {
  if (service.networkMode) {
    const m = service.networkMode;
    if (m.startsWith('service:')) return { mode: `container:${o.networkModeContainer ?? m.slice('service:'.length)}` };
    return { mode: m };
  }
  const joined = Object.entries(service.networks).sort(([, a], [, b]) => (b.priority ?? 0) - (a.priority ?? 0));
  if (!joined.length) return { mode: undefined };
  const endpoints: NonNullable<CreateBody['NetworkingConfig']>['EndpointsConfig'] = {};
  for (const [key, n] of joined) {
    const aliases = [...new Set([service.name, o.name, ...n.aliases])];
    const ipam = n.ipv4Address || n.ipv6Address ? { IPv4Address: n.ipv4Address, IPv6Address: n.ipv6Address } : undefined;
    endpoints[project.networks[key]?.name ?? key] = { Aliases: aliases, ...(ipam ? { IPAMConfig: ipam } : {}) };
  }
  return { mode: project.networks[joined[0][0]]?.name ?? joined[0][0], endpoints };
}

function mountOf(project: Project, v: ServiceVolume): Record<string, unknown> {
  const base = { Type: v.type, Target: v.target, ReadOnly: v.readOnly };
  if (v.type === 'bind') {
    return { ...base, Source: v.source, BindOptions: { Propagation: v.bind?.propagation, CreateMountpoint: v.bind?.createHostPath ?? true } };
  }
  if (v.type === 'tmpfs') return { ...base, TmpfsOptions: v.tmpfs ? { SizeBytes: v.tmpfs.size, Mode: v.tmpfs.mode } : undefined };
  const source = v.source === undefined ? undefined : (project.volumes[v.source]?.name ?? v.source);
  return { ...base, Source: source, VolumeOptions: v.volume?.nocopy ? { NoCopy: true } : undefined };
}

/** `no`, `always`, `unless-stopped`, `on-failure[:N]` → RestartPolicy */
export function restartPolicy(restart?: string): { Name: string; MaximumRetryCount?: number } | undefined {
  if (!restart) return undefined;
  const [name, count] = restart.split(':');
  return { Name: name === 'no' ? 'no' : name, ...(count !== undefined ? { MaximumRetryCount: Number(count) } : {}) };
}

/** `/run:size=64m` → ['/run', 'size=64m'] */
function tmpfsEntry(t: string): [string, string] {
  const c = t.indexOf(':');
  return c < 0 ? [t, ''] : [t.slice(0, c), t.slice(c + 1)];
}
