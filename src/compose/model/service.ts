// One merged service dict (already checked against keys.ts) into the typed Service the operations use:
// short syntaxes expanded, env_file folded into environment, paths absolute, durations in nanoseconds.
// Value errors name the file that set the key, the service and the key.
import { resolve } from 'node:path';
import type { BuildConfig, DependsOn, Service, ServiceNetwork } from '../types.ts';
import { ComposeError, keyError } from './errors.ts';
import { readEnvFile } from './dotenv.ts';
import { isMapping, type Lookup } from './interpolate.ts';
import { keyValueMap } from './merge.ts';
import { parsePort, portRange } from './ports.ts';
import { hostPath, parseServiceVolume, type PathContext } from './volumes.ts';
import { splitShellWords } from './shell-words.ts';
import { serviceDict } from './render.ts';
import { yamlBool } from './schema.ts';
import { durationNs, healthcheckOf, resourcesOf, type FieldContext } from './service-fields.ts';

type Dict = Record<string, unknown>;

export interface ServiceContext extends PathContext {
  /** the project's variables (.env under the process environment): bare environment keys, env_file */
  lookup: Lookup;
  /** the file that last set `services.<service>.<key>` (errors name it) */
  fileOf: (service: string, key: string) => string | undefined;
  warn: (message: string) => void;
}

const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'] as const;
const pullPolicies: Record<string, Service['pullPolicy']> = { always: 'always', never: 'never', missing: 'missing', if_not_present: 'missing', build: 'build', refresh: 'always' };

/** pull_policy: the four skiff knows (refresh = always); the periodic ones (daily, weekly, every_1h) pull when missing */
function pullPolicyOf(v: unknown, name: string, f: FieldContext, warn: (m: string) => void): Service['pullPolicy'] {
  if (v === undefined || v === null) return 'missing';
  const text = String(v);
  if (pullPolicies[text]) return pullPolicies[text];
  if (/^(daily|weekly|every_([0-9]+[wdhms])+)$/.test(text)) {
    warn(`service "${name}": pull_policy ${text} is taken as missing (skiff does not keep pull times)`);
    return 'missing';
  }
  return f.fail('pull_policy', `invalid pull_policy ${JSON.stringify(text)}: must be always, never, missing, build or refresh`);
}

export function normalizeService(name: string, raw: Dict, ctx: ServiceContext): Service {
  const f: FieldContext = {
    fail: (key, message) => {
      throw keyError(ctx.fileOf(name, key.split(/[.[]/)[0]), `services.${name}.${key}`, message);
    },
  };
  const attempt = <T>(key: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      // plain errors (and file errors that know no key, like a missing env_file) get the key and file here
      if (err instanceof Error && !(err instanceof ComposeError && err.key)) return f.fail(key, err.message);
      throw err;
    }
  };
  const networkMode = optString(raw.network_mode);
  if (networkMode && raw.networks !== undefined) f.fail('networks', "'network_mode' and 'networks' cannot be combined");
  const pull = pullPolicyOf(raw.pull_policy, name, f, ctx.warn);
  const service: Service = {
    name,
    image: optString(raw.image),
    build: raw.build === undefined ? undefined : buildOf(raw.build as Dict, ctx),
    pullPolicy: pull,
    command: attempt('command', () => words(raw.command)),
    entrypoint: attempt('entrypoint', () => words(raw.entrypoint)),
    environment: attempt('env_file', () => environmentOf(raw, ctx)),
    ports: (asList(raw.ports)).flatMap((p, i) => attempt(`ports[${i}]`, () => parsePort(p))),
    expose: asList(raw.expose).flatMap((e, i) => attempt(`expose[${i}]`, () => exposeOf(String(e)))),
    volumes: asList(raw.volumes).map((v, i) => attempt(`volumes[${i}]`, () => parseServiceVolume(v, ctx))),
    networks: networkMode ? {} : networksOf(raw.networks),
    networkMode,
    dependsOn: dependsOnOf(raw, networkMode, f),
    healthcheck: raw.healthcheck === undefined ? undefined : healthcheckOf(raw.healthcheck as Dict, f),
    restart: raw.restart === undefined ? undefined : restartOf(String(raw.restart), f),
    labels: stringMap(raw.labels, () => ''),
    containerName: optString(raw.container_name),
    workingDir: optString(raw.working_dir),
    user: optString(raw.user),
    hostname: optString(raw.hostname),
    domainname: optString(raw.domainname),
    scale: scaleOf(raw, f),
    profiles: asList(raw.profiles).map(String),
    stopGracePeriod: raw.stop_grace_period === undefined ? undefined : Math.floor(durationNs(raw.stop_grace_period, 'stop_grace_period', f) / 1e9),
    stopSignal: optString(raw.stop_signal),
    init: optBool(raw.init),
    tty: optBool(raw.tty),
    stdinOpen: optBool(raw.stdin_open),
    privileged: optBool(raw.privileged),
    readOnly: optBool(raw.read_only),
    capAdd: asList(raw.cap_add).map(String),
    capDrop: asList(raw.cap_drop).map(String),
    extraHosts: extraHostsOf(raw.extra_hosts),
    dns: asList(raw.dns).map(String),
    dnsSearch: asList(raw.dns_search).map(String),
    tmpfs: asList(raw.tmpfs).map(String),
    resources: resourcesOf(raw, f),
    logging: isMapping(raw.logging) ? { driver: optString(raw.logging.driver), options: stringMap(raw.logging.options, () => '') } : undefined,
    raw: {},
  };
  checkMountTargets(service, f);
  // raw holds the canonical form: what `config` prints and the hash covers, so equal meaning hashes equal
  service.raw = serviceDict(service, raw);
  return service;
}

export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

function optString(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

export function optBool(v: unknown): boolean | undefined {
  return v === undefined || v === null ? undefined : yamlBool(v);
}

/** A key-value mapping (list or map form) with bare keys resolved by `bare` (undefined drops the key) */
function stringMap(v: unknown, bare: (key: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(keyValueMap(v))) {
    const value = val ?? bare(k);
    if (value !== undefined) out[k] = value;
  }
  return out;
}

function words(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.map(String) : splitShellWords(String(v));
}

function buildOf(b: Dict, ctx: ServiceContext): BuildConfig {
  const context = String(b.context ?? '.');
  const remote = /^(https?:\/\/|git@|git:\/\/|github\.com\/)/.test(context);
  return {
    context: remote ? context : hostPath(context, ctx),
    dockerfile: String(b.dockerfile ?? 'Dockerfile'),
    args: stringMap(b.args, ctx.lookup),
    target: optString(b.target),
    labels: stringMap(b.labels, () => ''),
    cacheFrom: asList(b.cache_from).map(String),
    network: optString(b.network),
    pull: optBool(b.pull),
    noCache: optBool(b.no_cache),
  };
}

/** env_file entries in order, then `environment` over them; a bare key takes the project's value or is dropped */
function environmentOf(raw: Dict, ctx: ServiceContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of asList(raw.env_file)) {
    const path = isMapping(entry) ? String(entry.path) : String(entry);
    const required = isMapping(entry) ? optBool(entry.required) !== false : true;
    Object.assign(env, readEnvFile(resolve(ctx.projectDir, path), ctx.lookup, required));
  }
  return Object.assign(env, stringMap(raw.environment, ctx.lookup));
}

/** `80`, `80/udp`, `8000-8001` into docker's ExposedPorts keys */
function exposeOf(e: string): string[] {
  const slash = e.indexOf('/');
  const proto = slash < 0 ? 'tcp' : e.slice(slash + 1).toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new Error(`invalid proto: ${e.slice(slash + 1)}`);
  return portRange(slash < 0 ? e : e.slice(0, slash), 'containerPort').map((p) => `${p}/${proto}`);
}

function networksOf(v: unknown): Record<string, ServiceNetwork> {
  const entries = Object.entries(isMapping(v) ? v : {});
  if (entries.length === 0) return { default: { aliases: [] } };
  const out: Record<string, ServiceNetwork> = {};
  for (const [name, n] of entries) {
    const d = isMapping(n) ? n : {};
    out[name] = {
      aliases: asList(d.aliases).map(String),
      ipv4Address: optString(d.ipv4_address),
      ipv6Address: optString(d.ipv6_address),
      priority: d.priority === undefined ? undefined : Number(d.priority),
    };
  }
  return out;
}

function dependsOnOf(raw: Dict, networkMode: string | undefined, f: FieldContext): Record<string, DependsOn> {
  const out: Record<string, DependsOn> = {};
  for (const [dep, d] of Object.entries(isMapping(raw.depends_on) ? raw.depends_on : {})) {
    const c = isMapping(d) ? d : {};
    const condition = String(c.condition ?? 'service_started') as DependsOn['condition'];
    if (!conditions.includes(condition)) f.fail(`depends_on.${dep}.condition`, `invalid condition ${JSON.stringify(condition)}: must be one of ${conditions.join(', ')}`);
    out[dep] = { condition, required: optBool(c.required) ?? true, restart: optBool(c.restart) ?? false };
  }
  // network_mode: service:X needs X running first, as docker compose adds it
  const shared = /^service:(.+)$/.exec(networkMode ?? '')?.[1];
  if (shared && !out[shared]) out[shared] = { condition: 'service_started', required: true, restart: false };
  // links (`db` or `db:alias`) order the start as docker compose does; the name itself resolves on the network
  for (const link of asList(raw.links)) {
    const dep = String(link).split(':')[0];
    if (!out[dep]) out[dep] = { condition: 'service_started', required: true, restart: false };
  }
  return out;
}

function restartOf(r: string, f: FieldContext): string {
  if (!/^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(r)) f.fail('restart', `invalid restart policy ${JSON.stringify(r)}: must be no, always, on-failure[:max-retries] or unless-stopped`);
  return r;
}

function scaleOf(raw: Dict, f: FieldContext): number {
  const replicas = isMapping(raw.deploy) && raw.deploy.replicas !== undefined ? Number(raw.deploy.replicas) : undefined;
  const scale = raw.scale === undefined ? undefined : Number(raw.scale);
  if (replicas !== undefined && scale !== undefined && replicas !== scale) f.fail('scale', "can't set distinct values on 'scale' and 'deploy.replicas'");
  const n = scale ?? replicas ?? 1;
  if (n < 0) f.fail(scale !== undefined ? 'scale' : 'deploy.replicas', 'must be greater than or equal to 0');
  return n;
}

/** Two mounts on one container path would hide each other */
function checkMountTargets(s: Service, f: FieldContext): void {
  const seen = new Map<string, string>();
  const claim = (target: string, key: string): void => {
    const first = seen.get(target);
    if (first) f.fail(key, `target ${target} already mounted as services.${s.name}.${first}`);
    seen.set(target, key);
  };
  s.tmpfs.forEach((t, i) => claim(t.split(':')[0], `tmpfs[${i}]`));
  s.volumes.forEach((v, i) => claim(v.target, `volumes[${i}]`));
}

function extraHostsOf(v: unknown): string[] {
  const out: string[] = [];
  for (const [host, ip] of Object.entries(isMapping(v) ? v : {})) for (const one of asList(ip)) out.push(`${host}:${String(one)}`);
  return out;
}
