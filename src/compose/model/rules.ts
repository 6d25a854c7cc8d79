// The rules that need the whole project, after the files are merged and every service typed: references
// (image or build, depends_on targets, declared volumes and networks, no cycle), container names,
// profiles, and the project's name. Wording follows docker compose's (compose-go) where it has one.
import { basename } from 'node:path';
import type { LoadOptions, Project, Service } from '../types.ts';
import { ComposeError, keyError } from './errors.ts';
import { substitute, TemplateError, type Lookup } from './interpolate.ts';
import { findCycle } from './order.ts';

type Dict = Record<string, unknown>;
type FileOf = (service: string, key: string) => string | undefined;

/** The active services' references: an image or a build, known and enabled dependencies (an optional one
 *  missing or disabled is dropped), declared volumes and networks, no cycle */
export function checkReferences(project: Pick<Project, 'services' | 'disabledServices'>, merged: Dict, fileOf: FileOf, warn: (m: string) => void): void {
  const { services: all, disabledServices: disabled } = project;
  const declared = (k: string): Dict => (merged[k] && typeof merged[k] === 'object' ? (merged[k] as Dict) : {});
  for (const [name, s] of Object.entries(all)) {
    if (!s.image && !s.build) throw keyError(fileOf(name, ''), `services.${name}`, `service "${name}" has neither an image nor a build context specified`);
    const shared = /^service:(.+)$/.exec(s.networkMode ?? '')?.[1];
    if (shared && !all[shared] && !disabled[shared]) throw keyError(fileOf(name, 'network_mode'), `services.${name}.network_mode`, `service "${shared}" not found for network_mode 'service:${shared}'`);
    for (const [dep, d] of Object.entries(s.dependsOn)) {
      if (all[dep]) continue;
      if (d.required && disabled[dep]) {
        throw new ComposeError(`service "${dep}" is required by "${name}" but is disabled. Can be enabled by profiles [${disabled[dep].profiles.join(' ')}]`, { service: name, key: `services.${name}.depends_on` });
      }
      if (d.required) throw keyError(fileOf(name, 'depends_on'), `services.${name}.depends_on`, `service "${name}" depends on undefined service "${dep}"`);
      if (!disabled[dep]) warn(`service "${name}": the optional dependency "${dep}" is not defined; it is skipped`);
      delete s.dependsOn[dep];
    }
    for (const v of s.volumes) {
      if (v.type === 'volume' && v.source && !(v.source in declared('volumes'))) {
        throw keyError(fileOf(name, 'volumes'), `services.${name}.volumes`, `service "${name}" refers to undefined volume ${v.source}: declare it under the top-level volumes:`);
      }
    }
    for (const n of Object.keys(s.networks)) {
      if (n !== 'default' && !(n in declared('networks'))) {
        throw keyError(fileOf(name, 'networks'), `services.${name}.networks`, `service "${name}" refers to undefined network ${n}: declare it under the top-level networks:`);
      }
    }
  }
  const cycle = findCycle(all);
  if (cycle) {
    const file = fileOf(cycle[0], 'depends_on');
    throw new ComposeError(`${file ? `${file}: ` : ''}dependency cycle detected: ${cycle.join(' -> ')}`, { file, service: cycle[0], key: `services.${cycle[0]}.depends_on` });
  }
}

/** container_name: one container only (no scale), and no two services with the same one */
export function checkServiceRules(all: Record<string, Service>, merged: Dict, fileOf: FileOf): void {
  const owners = new Map<string, string>();
  for (const [name, s] of Object.entries(all)) {
    if (!s.containerName) continue;
    if (s.scale > 1) {
      const attr = ((merged.services as Dict)[name] as Dict).scale !== undefined ? 'scale' : 'deploy.replicas';
      throw keyError(fileOf(name, 'container_name'), `services.${name}`, `can't set container_name and ${attr} as container name must be unique`);
    }
    const owner = owners.get(s.containerName);
    if (owner) throw keyError(fileOf(name, 'container_name'), `services.${name}`, `container name "${s.containerName}" is already in use by service ${owner}`);
    owners.set(s.containerName, name);
  }
}

const projectNameRule = /^[a-z0-9][a-z0-9_-]*$/;

/** compose-go's NormalizeProjectName: lower case, only [a-z0-9_-], no leading `_` or `-` */
export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

function checkedName(n: string): string {
  if (!projectNameRule.test(n)) {
    throw new ComposeError(`invalid project name ${JSON.stringify(n)}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`);
  }
  return n;
}

/**
 * -p or COMPOSE_PROJECT_NAME (checked: a bad one is an error), else the last file's `name:` (interpolated,
 * then normalized), else the project directory's name (normalized).
 */
export function projectNameOf(opts: LoadOptions, env: Record<string, string>, names: Array<{ file: string; name: unknown }>, workingDir: string): string {
  if (opts.projectName !== undefined) return checkedName(opts.projectName);
  if (env.COMPOSE_PROJECT_NAME) return checkedName(env.COMPOSE_PROJECT_NAME);
  const lookup: Lookup = (k) => (Object.hasOwn(env, k) ? env[k] : undefined);
  let fromFile = '';
  for (const { file, name } of names) {
    if (typeof name !== 'string' || name === '') continue;
    try {
      fromFile = normalizeProjectName(substitute(name, lookup));
    } catch (err) {
      if (err instanceof TemplateError) throw new ComposeError(`${file}: error while interpolating name: ${err.message}`, { file, key: 'name' });
      throw err;
    }
  }
  const name = fromFile || normalizeProjectName(basename(workingDir));
  if (!name) throw new ComposeError(`project name must not be empty: the directory ${workingDir} gives none; name the project with -p or name:`);
  return name;
}

/**
 * Profiles as docker compose applies them: a service is active without profiles or with an enabled one
 * (--profile, else COMPOSE_PROFILES; `*` enables all); the services a command names bring their profiles
 * along. (checkReferences then refuses a required dependency left disabled.)
 */
export function applyProfiles(all: Record<string, Service>, opts: LoadOptions, env: Record<string, string>): Pick<Project, 'services' | 'disabledServices'> {
  const enabled = new Set(opts.profiles && opts.profiles.length > 0 ? opts.profiles : (env.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter(Boolean));
  for (const name of opts.services ?? []) {
    if (!all[name]) throw new ComposeError(`no such service: ${name}`, { service: name }, { kind: 'NotFound' });
    for (const p of all[name].profiles) enabled.add(p);
  }
  const isActive = (s: Service): boolean => s.profiles.length === 0 || enabled.has('*') || s.profiles.some((p) => enabled.has(p));
  const services: Record<string, Service> = {};
  const disabledServices: Record<string, Service> = {};
  for (const [name, s] of Object.entries(all)) (isActive(s) ? services : disabledServices)[name] = s;
  return { services, disabledServices };
}
