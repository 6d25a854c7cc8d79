// The Compose file's keys skiff reads, as shapes (schema.ts checks each file against them). Keys of the
// Compose specification skiff does not implement are refused by name (`unsupported`) rather than run
// half-right; a few that change nothing here are accepted with a warning (`ignored`).
import { any, bool, int, list, listOrDict, map, nul, num, obj, oneOf, scalar, str, strOrList, type Shape } from './schema.ts';

const intOrStr = oneOf(str, int);
const bytes = oneOf(str, int);
const duration = str;

const build = oneOf(
  str,
  obj(
    {
      context: str,
      dockerfile: str,
      args: listOrDict,
      target: str,
      labels: listOrDict,
      cache_from: list(str),
      network: str,
      pull: bool,
      no_cache: bool,
    },
    {
      unsupported: ['dockerfile_inline', 'ssh', 'secrets', 'additional_contexts', 'platforms', 'tags', 'cache_to', 'isolation', 'privileged', 'shm_size', 'extra_hosts', 'entitlements', 'ulimits', 'provenance', 'sbom'],
    },
  ),
);

const port = oneOf(
  str,
  num,
  obj({ target: int, published: intOrStr, host_ip: str, protocol: str, mode: str, name: str, app_protocol: str }),
);

const serviceVolume = oneOf(
  str,
  obj({
    type: str,
    source: str,
    target: str,
    read_only: bool,
    consistency: str,
    bind: obj({ propagation: str, create_host_path: bool, selinux: str }),
    volume: obj({ nocopy: bool, subpath: str }),
    tmpfs: obj({ size: bytes, mode: num }),
  }, { required: ['type'] }),
);

const serviceNetworks = oneOf(
  list(str),
  map(oneOf(nul, obj({ aliases: list(str), ipv4_address: str, ipv6_address: str, priority: int }, { unsupported: ['link_local_ips', 'mac_address', 'driver_opts', 'gw_priority', 'interface_name'] }))),
);

const dependsOn = oneOf(list(str), map(obj({ condition: str, required: bool, restart: bool }, { required: ['condition'] })));

const healthcheck = obj({ test: strOrList, interval: duration, timeout: duration, retries: num, start_period: duration, start_interval: duration, disable: bool });

const deploy = obj(
  {
    replicas: int,
    resources: obj({
      limits: obj({ cpus: oneOf(str, num), memory: bytes, pids: int }),
      reservations: obj({ cpus: oneOf(str, num), memory: bytes }, { ignored: ['devices', 'generic_resources'] }),
    }),
  },
  { ignored: ['mode', 'labels', 'restart_policy', 'update_config', 'rollback_config', 'placement', 'endpoint_mode'] },
);

/** a service's secrets/configs entry: a name, or { source, target, uid, gid, mode } */
const fileRef = oneOf(str, obj({ source: str, target: str, uid: str, gid: str, mode: oneOf(num, str) }, { required: ['source'] }));

const envFile = oneOf(str, list(oneOf(str, obj({ path: str, required: bool, format: str }, { required: ['path'] }))));

export const serviceShape: Shape = obj(
  {
    image: str,
    build,
    pull_policy: str,
    command: oneOf(nul, strOrList),
    entrypoint: oneOf(nul, strOrList),
    environment: listOrDict,
    env_file: envFile,
    ports: list(port),
    expose: list(oneOf(str, num)),
    volumes: list(serviceVolume),
    networks: serviceNetworks,
    network_mode: str,
    depends_on: dependsOn,
    healthcheck,
    restart: str,
    labels: listOrDict,
    container_name: str,
    working_dir: str,
    user: str,
    hostname: str,
    domainname: str,
    deploy,
    scale: int,
    profiles: list(str),
    stop_grace_period: duration,
    stop_signal: str,
    init: bool,
    tty: bool,
    stdin_open: bool,
    privileged: bool,
    read_only: bool,
    cap_add: list(str),
    cap_drop: list(str),
    extra_hosts: oneOf(list(str), map(oneOf(str, list(str)))),
    dns: strOrList,
    dns_search: strOrList,
    tmpfs: strOrList,
    ulimits: map(oneOf(int, obj({ soft: int, hard: int }, { required: ['soft', 'hard'] }))),
    sysctls: listOrDict,
    shm_size: bytes,
    mem_limit: bytes,
    mem_reservation: bytes,
    memswap_limit: bytes,
    cpus: oneOf(str, num),
    cpu_shares: int,
    pids_limit: int,
    logging: obj({ driver: str, options: map(oneOf(scalar, nul)) }),
    extends: oneOf(str, obj({ service: str, file: str }, { required: ['service'] })),
    links: list(str),
    secrets: list(fileRef),
    configs: list(fileRef),
  },
  {
    ignored: ['external_links', 'platform'],
    unsupported: [
      'devices', 'security_opt', 'ipc', 'pid', 'group_add', 'cgroup_parent', 'cgroup',
      'mac_address', 'annotations', 'attach', 'oom_score_adj', 'oom_kill_disable', 'userns_mode', 'isolation',
      'volumes_from', 'device_cgroup_rules', 'blkio_config', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota',
      'cpu_rt_runtime', 'cpu_rt_period', 'cpuset', 'credential_spec', 'dns_opt', 'gpus', 'label_file', 'mem_swappiness',
      'models', 'post_start', 'pre_start', 'pre_stop', 'pull_refresh_after', 'provider', 'runtime', 'storage_opt', 'uts', 'use_api_socket', 'develop',
    ],
  },
);

const ipam = obj({
  driver: str,
  config: list(obj({ subnet: str, ip_range: str, gateway: str }, { ignored: ['aux_addresses'] })),
  options: map(str),
});

const external = oneOf(bool, obj({ name: str }));

export const networkShape: Shape = oneOf(
  nul,
  obj({ name: str, external, driver: str, driver_opts: map(oneOf(str, num)), internal: bool, attachable: bool, enable_ipv6: bool, ipam, labels: listOrDict }, { ignored: ['enable_ipv4'] }),
);

export const volumeShape: Shape = oneOf(nul, obj({ name: str, external, driver: str, driver_opts: map(oneOf(str, num)), labels: listOrDict }));

/** a top-level secret or config: skiff mounts file ones; the others are refused when a service uses them */
const fileSource = obj({ file: str, environment: str, content: str, external: bool, name: str }, { ignored: ['labels', 'driver', 'driver_opts', 'template_driver'] });

export const topShape: Shape = obj(
  {
    version: any,
    name: str,
    services: map(any),
    networks: map(networkShape),
    volumes: map(volumeShape),
    include: list(oneOf(str, obj({ path: strOrList, project_directory: str, env_file: strOrList }, { required: ['path'] }))),
    secrets: map(fileSource),
    configs: map(fileSource),
  },
  { unsupported: ['models'] },
);
