// The compose room's contract: what a compose file set becomes once it is loaded (parsed, interpolated,
// merged, validated, normalized) — the typed model the operations (up, down, ps, …) act on.
//
//   model/   compose files + environment  →  Project            (loadProject; `skiff compose config`)
//   ops/     Project + the Docker API      →  containers, networks, volumes, images
//
// The model is already resolved: paths are absolute, variables are interpolated, env_file is folded into
// environment, short syntaxes are expanded into the long ones, profiles are applied (inactive services are
// left out) and defaults are filled in. Operations never read a compose file themselves. Durations are
// nanoseconds (the Docker API's unit); names follow Docker Compose so its objects and skiff's agree.

/** How a project is found and loaded: `skiff compose [-f FILE]… [-p NAME] [--project-directory DIR] …` */
export interface LoadOptions {
  /** -f, in order; empty: compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml in workingDir
   *  (then its parents), plus the matching *.override.* file when present — as docker compose does.
   *  `-` reads the file from stdin. */
  files: string[];
  /** -p; else COMPOSE_PROJECT_NAME; else the top-level `name:`; else the project directory's base name
   *  (lower-cased, characters outside [a-z0-9_-] removed) */
  projectName?: string;
  /** --project-directory; else the directory of the first file */
  projectDirectory?: string;
  /** --env-file (several allowed); else `<project dir>/.env` when present */
  envFiles?: string[];
  /** --profile (and COMPOSE_PROFILES, comma-separated) */
  profiles?: string[];
  /** the process environment (interpolation: it wins over .env) */
  env: Record<string, string | undefined>;
  /** the directory the command runs in (relative -f paths) */
  cwd: string;
  /** the services the command names (`up web`): each is enabled even when its profiles are not, and so are
   *  the services it depends on; a name that is not in the file is an error (`no such service: x`) */
  services?: string[];
  /** hears warnings (an unset variable, an ignored key, several default files); default: dropped */
  warn?: (message: string) => void;
  /** where `-f -` is read from; default process.stdin */
  stdin?: AsyncIterable<Buffer | string>;
}

export interface Project {
  name: string;
  /** the project directory (absolute) */
  workingDir: string;
  /** the compose files used, absolute, in order (the com.docker.compose.project.config_files label) */
  configFiles: string[];
  /** the active services (after profiles), by name */
  services: Record<string, Service>;
  /** every network a service uses; `default` is present when a service joins it (implicitly or not) */
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  /** services left out by profiles (so `down` still finds their containers, and `up svc` can name one) */
  disabledServices: Record<string, Service>;
  /** the variables interpolation saw (.env merged under the process environment), for `config --environment` */
  environment: Record<string, string>;
}

export interface Service {
  name: string;
  image?: string;
  build?: BuildConfig;
  /** `pull_policy`: always | never | missing (default) | build */
  pullPolicy: 'always' | 'never' | 'missing' | 'build';
  /** undefined: the image's own. A string form is split as a shell would (quotes honoured). */
  command?: string[];
  entrypoint?: string[];
  /** KEY=VALUE after env_file and interpolation; a bare `KEY` takes the value from the environment and is
   *  dropped when it is unset (as docker compose does) */
  environment: Record<string, string>;
  ports: PortConfig[];
  /** `expose:` as docker's ExposedPorts keys ('80/tcp') */
  expose: string[];
  volumes: ServiceVolume[];
  /** networks this service joins, by the project's network key; `{ default: {} }` when none is named
   *  (empty when network_mode is set) */
  networks: Record<string, ServiceNetwork>;
  /** network_mode: host | none | bridge | service:NAME | container:NAME */
  networkMode?: string;
  dependsOn: Record<string, DependsOn>;
  healthcheck?: Healthcheck;
  /** no | always | on-failure[:N] | unless-stopped */
  restart?: string;
  labels: Record<string, string>;
  containerName?: string;
  workingDir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  /** deploy.replicas, or scale; default 1 */
  scale: number;
  profiles: string[];
  /** stop_grace_period, in seconds (the API's StopTimeout) */
  stopGracePeriod?: number;
  stopSignal?: string;
  init?: boolean;
  tty?: boolean;
  stdinOpen?: boolean;
  privileged?: boolean;
  readOnly?: boolean;
  capAdd: string[];
  capDrop: string[];
  /** 'host:ip' entries */
  extraHosts: string[];
  dns: string[];
  dnsSearch: string[];
  tmpfs: string[];
  /** ulimits, sysctls, shm_size, mem_limit, cpus, pids_limit … as the API's HostConfig fields want them */
  resources: Resources;
  logging?: { driver?: string; options: Record<string, string> };
  /** the service in canonical Compose form (long syntax, keys as in a compose file, sorted): what `config`
   *  prints and what the config hash covers (serviceConfigForHash); operations use the typed fields above */
  raw: Record<string, unknown>;
}

export interface BuildConfig {
  /** absolute directory (a URL stays as written) */
  context: string;
  /** relative to the context, as `docker build -f` takes it; default Dockerfile */
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  cacheFrom: string[];
  network?: string;
  pull?: boolean;
  noCache?: boolean;
}

export interface PortConfig {
  /** the container port */
  target: number;
  /** the host port or range ('8080', '8080-8081'); undefined: a random one */
  published?: string;
  hostIp?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  mode: 'ingress' | 'host';
}

export interface ServiceVolume {
  type: 'volume' | 'bind' | 'tmpfs';
  /** volume: the project's volume key (undefined: anonymous); bind: an absolute host path */
  source?: string;
  target: string;
  readOnly: boolean;
  bind?: { propagation?: string; createHostPath: boolean };
  volume?: { nocopy: boolean };
  tmpfs?: { size?: number; mode?: number };
}

export interface ServiceNetwork {
  aliases: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  priority?: number;
}

export interface DependsOn {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  /** false: a missing or disabled dependency is skipped (a warning), not an error */
  required: boolean;
  restart: boolean;
}

export interface Healthcheck {
  /** the API's Test: ['CMD', …], ['CMD-SHELL', '…'] or ['NONE'] (disable: true); [] when the file sets only
   *  timings (the image's test is kept) */
  test: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  startPeriod?: number;
  startInterval?: number;
}

export interface Resources {
  memory?: number;
  memoryReservation?: number;
  memorySwap?: number;
  nanoCpus?: number;
  cpuShares?: number;
  pidsLimit?: number;
  shmSize?: number;
  ulimits: Array<{ name: string; soft: number; hard: number }>;
  sysctls: Record<string, string>;
}

export interface NetworkConfig {
  /** the name on the engine: `<project>_<key>` unless `name:` is set, or the external network's name */
  name: string;
  external: boolean;
  driver?: string;
  driverOpts: Record<string, string>;
  internal: boolean;
  attachable: boolean;
  enableIpv6: boolean;
  ipam?: { driver?: string; config: Array<{ subnet?: string; ipRange?: string; gateway?: string }> };
  labels: Record<string, string>;
}

export interface VolumeConfig {
  /** the name on the engine: `<project>_<key>` unless `name:` is set, or the external volume's name */
  name: string;
  external: boolean;
  driver?: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

/** The labels Docker Compose puts on what it makes (com.docker.compose.*), so both tools find each other's. */
export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  envFile: 'com.docker.compose.project.environment_file',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
} as const;
