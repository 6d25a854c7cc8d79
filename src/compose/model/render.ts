// The resolved model back in canonical Compose form, as `docker compose config` prints it: long syntaxes,
// absolute paths, `$` written `$$` (so the output loads again to the same Project), services and keys
// sorted. Also each service's canonical dict (Service.raw) and the part of it the config hash covers.
import YAML from 'yaml';
import type { NetworkConfig, Project, Service, ServiceVolume, VolumeConfig } from '../types.ts';
import { isMapping } from './interpolate.ts';

type Dict = Record<string, unknown>;

/** keys copied as written: accepted (with a warning) but not typed */
const passthrough = ['links', 'external_links', 'platform'];

/** A Go duration string for nanoseconds (`1m30s`, `500ms`), as docker compose config prints one */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const s = (ns % 60e9) / 1e9;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trim(s)}s`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}

/** Drop undefined values and empty lists/mappings, so only what is set is printed */
function compact(d: Dict): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(d)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (isMapping(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

function sorted<T>(d: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(d).sort().map((k) => [k, d[k]]));
}

function volumeDict(v: ServiceVolume): Dict {
  return compact({
    type: v.type,
    source: v.source,
    target: v.target,
    read_only: v.readOnly || undefined,
    bind: v.bind && { ...compact({ propagation: v.bind.propagation }), create_host_path: v.bind.createHostPath },
    volume: v.volume && (v.volume.nocopy ? { nocopy: true } : {}),
    tmpfs: v.tmpfs && compact({ size: v.tmpfs.size, mode: v.tmpfs.mode }),
  });
}

/** The typed service as a canonical Compose dict (the long syntax of every key; what Service.raw holds) */
export function serviceDict(s: Service, raw: Dict = {}): Dict {
  const r = s.resources;
  const d: Dict = {
    build: s.build && compact({
      context: s.build.context,
      dockerfile: s.build.dockerfile,
      args: sorted(s.build.args),
      target: s.build.target,
      labels: sorted(s.build.labels),
      cache_from: s.build.cacheFrom,
      network: s.build.network,
      pull: s.build.pull,
      no_cache: s.build.noCache,
    }),
    cap_add: s.capAdd,
    cap_drop: s.capDrop,
    command: s.command,
    container_name: s.containerName,
    cpu_shares: r.cpuShares,
    cpus: r.nanoCpus === undefined ? undefined : r.nanoCpus / 1e9,
    depends_on: sorted(Object.fromEntries(Object.entries(s.dependsOn).map(([k, v]) => [k, { condition: v.condition, required: v.required, restart: v.restart }]))),
    dns: s.dns,
    dns_search: s.dnsSearch,
    domainname: s.domainname,
    entrypoint: s.entrypoint,
    environment: sorted(s.environment),
    expose: s.expose,
    extra_hosts: s.extraHosts,
    healthcheck: s.healthcheck && compact({
      test: s.healthcheck.test,
      interval: s.healthcheck.interval === undefined ? undefined : formatDuration(s.healthcheck.interval),
      timeout: s.healthcheck.timeout === undefined ? undefined : formatDuration(s.healthcheck.timeout),
      retries: s.healthcheck.retries,
      start_period: s.healthcheck.startPeriod === undefined ? undefined : formatDuration(s.healthcheck.startPeriod),
      start_interval: s.healthcheck.startInterval === undefined ? undefined : formatDuration(s.healthcheck.startInterval),
    }),
    hostname: s.hostname,
    image: s.image,
    init: s.init,
    labels: sorted(s.labels),
    logging: s.logging && compact({ driver: s.logging.driver, options: sorted(s.logging.options) }),
    mem_limit: r.memory,
    mem_reservation: r.memoryReservation,
    memswap_limit: r.memorySwap,
    network_mode: s.networkMode,
    networks: s.networkMode ? undefined : sorted(Object.fromEntries(Object.entries(s.networks).map(([k, n]) => {
      const nd = compact({ aliases: n.aliases, ipv4_address: n.ipv4Address, ipv6_address: n.ipv6Address, priority: n.priority });
      return [k, Object.keys(nd).length ? nd : null];
    }))),
    pids_limit: r.pidsLimit,
    ports: s.ports.map((p) => compact({ mode: p.mode, host_ip: p.hostIp, target: p.target, published: p.published, protocol: p.protocol })),
    privileged: s.privileged,
    profiles: s.profiles,
    pull_policy: s.pullPolicy === 'missing' ? undefined : s.pullPolicy,
    read_only: s.readOnly,
    restart: s.restart,
    scale: s.scale === 1 ? undefined : s.scale,
    shm_size: r.shmSize,
    stdin_open: s.stdinOpen,
    stop_grace_period: s.stopGracePeriod === undefined ? undefined : `${s.stopGracePeriod}s`,
    stop_signal: s.stopSignal,
    sysctls: sorted(r.sysctls),
    tmpfs: s.tmpfs,
    tty: s.tty,
    ulimits: Object.fromEntries(r.ulimits.map((u) => [u.name, { soft: u.soft, hard: u.hard }])),
    user: s.user,
    volumes: s.volumes.map(volumeDict),
    working_dir: s.workingDir,
  };
  for (const k of passthrough) if (raw[k] !== undefined) d[k] = raw[k];
  return sorted(compact(d));
}

/** What the config hash covers: the canonical service without what docker compose leaves out of its hash
 *  (scale/replicas, so scaling does not recreate; build and pull_policy; depends_on; profiles) */
export function serviceConfigForHash(s: Service): Dict {
  const { scale: _scale, build: _build, pull_policy: _pull, depends_on: _deps, profiles: _profiles, ...rest } = s.raw;
  return rest;
}

function networkDict(n: NetworkConfig): Dict {
  return compact({
    name: n.name,
    external: n.external || undefined,
    driver: n.driver,
    driver_opts: sorted(n.driverOpts),
    internal: n.internal || undefined,
    attachable: n.attachable || undefined,
    enable_ipv6: n.enableIpv6 || undefined,
    ipam: n.ipam && compact({ driver: n.ipam.driver, config: n.ipam.config.map((c) => compact({ subnet: c.subnet, ip_range: c.ipRange, gateway: c.gateway })) }),
    labels: sorted(n.labels),
  });
}

function volumeConfigDict(v: VolumeConfig): Dict {
  return compact({ name: v.name, external: v.external || undefined, driver: v.driver, driver_opts: sorted(v.driverOpts), labels: sorted(v.labels) });
}

/** `$` → `$$` in every string value, so the printed file interpolates back to the same values */
function escapeDollars(v: unknown): unknown {
  if (typeof v === 'string') return v.replaceAll('$', () => '$$');
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeDollars(x)]));
  return v;
}

/** What `skiff compose config` prints */
export function renderConfig(project: Project, o: { format?: 'yaml' | 'json' } = {}): string {
  const doc = escapeDollars(compact({
    name: project.name,
    services: sorted(Object.fromEntries(Object.values(project.services).map((s) => [s.name, s.raw]))),
    networks: sorted(Object.fromEntries(Object.entries(project.networks).map(([k, n]) => [k, networkDict(n)]))),
    volumes: sorted(Object.fromEntries(Object.entries(project.volumes).map(([k, v]) => [k, volumeConfigDict(v)]))),
  }));
  return o.format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : YAML.stringify(doc, { lineWidth: 0 });
}
