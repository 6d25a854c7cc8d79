// loadProject: compose files + environment → the resolved Project (see ../types.ts). The steps, in order:
// find and read the files, read .env / --env-file, then for each file parse the YAML, drop `x-` keys,
// interpolate, check it against keys.ts and put it in canonical form; merge the files; type every service;
// check what needs the whole project (references, cycles, profiles, port conflicts); name the project.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { LoadOptions, Project, Service } from '../types.ts';
import { ComposeError, keyError } from './errors.ts';
import { readEnvFile } from './dotenv.ts';
import { composeFilePaths, parseYaml, readSources, type ComposeSource } from './files.ts';
import { interpolateTree, isMapping, TemplateError, type Lookup } from './interpolate.ts';
import { serviceShape, topShape } from './keys.ts';
import { canonicalService, mergeFiles } from './merge.ts';
import { findCycle } from './order.ts';
import { checkPortConflicts, networksOf, volumesOf } from './top-level.ts';
import { check } from './schema.ts';
import { normalizeService, type ServiceContext } from './service.ts';
import type { PathContext } from './volumes.ts';

type Dict = Record<string, unknown>;

interface LoadedFile {
  path: string;
  dict: Dict;
}

export async function loadProject(opts: LoadOptions): Promise<Project> {
  const warn = opts.warn ?? (() => undefined);
  const paths = composeFilePaths(opts, warn);
  const sources = await readSources(paths, opts.stdin ?? process.stdin);
  const workingDir = resolve(opts.cwd, opts.projectDirectory ?? (paths[0] === '-' ? '.' : dirname(paths[0])));
  const environment = projectEnvironment(opts, workingDir);
  const lookup: Lookup = (k) => (Object.hasOwn(environment, k) ? environment[k] : undefined);
  const pathCtx: PathContext = { projectDir: workingDir, home: environment.HOME };
  const unset = new Set<string>();
  const onUnset = (name: string): void => {
    if (!unset.has(name)) warn(`The "${name}" variable is not set. Defaulting to a blank string.`);
    unset.add(name);
  };
  const files = sources.map((src) => loadFile(src, { lookup, onUnset, warn, pathCtx }));
  const merged = mergeFiles(files.map((f) => f.dict));
  const fileOf = (service: string, key: string): string | undefined => {
    for (const f of [...files].reverse()) {
      const s = (f.dict.services as Dict | undefined)?.[service];
      if (isMapping(s) && (key === '' || key in s)) return f.path;
    }
    return files.find((f) => isMapping((f.dict.services as Dict | undefined)?.[service]))?.path;
  };
  const sctx: ServiceContext = { ...pathCtx, lookup, fileOf, warn };
  const all: Record<string, Service> = {};
  for (const [name, raw] of Object.entries(merged.services as Dict)) all[name] = normalizeService(name, raw as Dict, sctx);
  checkReferences(all, merged, fileOf, warn);
  const name = projectNameOf(opts, environment, merged, workingDir);
  const { services, disabledServices } = applyProfiles(all, opts, environment, warn);
  checkPortConflicts(services, fileOf);
  return {
    name,
    workingDir,
    configFiles: paths,
    services,
    networks: networksOf(name, merged.networks as Dict, services, warn),
    volumes: volumesOf(name, merged.volumes as Dict, warn),
    disabledServices,
    environment,
  };
}

/** .env (or --env-file, in order) under the process environment, which wins */
function projectEnvironment(opts: LoadOptions, workingDir: string): Record<string, string> {
  const proc: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) proc[k] = v;
  const dot: Record<string, string> = {};
  const explicit = opts.envFiles !== undefined && opts.envFiles.length > 0;
  const files = explicit ? opts.envFiles!.map((f) => resolve(opts.cwd, f)) : [join(workingDir, '.env')];
  for (const f of files) {
    if (!explicit && !(existsSync(f) && statSync(f).isFile())) continue;
    Object.assign(dot, readEnvFile(f, (k) => proc[k] ?? dot[k]));
  }
  return { ...dot, ...proc };
}

interface FileContext {
  lookup: Lookup;
  onUnset: (name: string) => void;
  warn: (m: string) => void;
  pathCtx: PathContext;
}

const serviceName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function withoutExtensions(d: Dict): Dict {
  return Object.fromEntries(Object.entries(d).filter(([k]) => !k.startsWith('x-')));
}

/** One file: parsed, extensions dropped, interpolated, checked, canonical — and each service typed once on
 *  its own, so a bad value is reported against the file that holds it */
function loadFile(src: ComposeSource, ctx: FileContext): LoadedFile {
  let top = withoutExtensions(parseYaml(src));
  if ('version' in top) {
    ctx.warn(`${src.path}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
    delete top.version;
  }
  if (isMapping(top.services)) {
    top.services = Object.fromEntries(Object.entries(top.services).map(([n, s]) => [n, isMapping(s) ? withoutExtensions(s) : s]));
  }
  try {
    top = interpolateTree(top, ctx.lookup, '', ctx.onUnset) as Dict;
  } catch (err) {
    if (err instanceof TemplateError) throw new ComposeError(`${src.path}: ${err.message}`, { file: src.path }, { cause: err });
    throw err;
  }
  const checkCtx = { file: src.path, warn: ctx.warn };
  check(top, topShape, '', checkCtx);
  const services: Dict = {};
  for (const [name, s] of Object.entries(isMapping(top.services) ? top.services : {})) {
    if (!serviceName.test(name)) throw keyError(src.path, `services.${name}`, `invalid service name ${JSON.stringify(name)}: it must match ${serviceName.source}`);
    check(s, serviceShape, `services.${name}`, checkCtx);
    services[name] = canonicalService(s as Dict);
    normalizeService(name, services[name] as Dict, { ...ctx.pathCtx, lookup: ctx.lookup, fileOf: () => src.path, warn: () => undefined });
  }
  return { path: src.path, dict: { ...top, services } };
}

/** What needs the whole project: an image or a build, known dependencies, declared volumes and networks, no cycle */
function checkReferences(all: Record<string, Service>, merged: Dict, fileOf: (s: string, k: string) => string | undefined, warn: (m: string) => void): void {
  const volumes = isMapping(merged.volumes) ? merged.volumes : {};
  const networks = isMapping(merged.networks) ? merged.networks : {};
  for (const [name, s] of Object.entries(all)) {
    if (!s.image && !s.build) throw keyError(fileOf(name, ''), `services.${name}`, `service "${name}" has neither an image nor a build context specified`);
    for (const [dep, d] of Object.entries(s.dependsOn)) {
      if (all[dep]) continue;
      if (d.required) throw keyError(fileOf(name, 'depends_on'), `services.${name}.depends_on`, `service "${name}" depends on undefined service "${dep}"`);
      warn(`service "${name}": the optional dependency "${dep}" is not defined; it is skipped`);
      delete s.dependsOn[dep];
    }
    for (const v of s.volumes) {
      if (v.type === 'volume' && v.source && !(v.source in volumes)) {
        throw keyError(fileOf(name, 'volumes'), `services.${name}.volumes`, `service "${name}" refers to undefined volume ${v.source}: declare it under the top-level volumes:`);
      }
    }
    for (const n of Object.keys(s.networks)) {
      if (n !== 'default' && !(n in networks)) {
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

const projectNameRule = /^[a-z0-9][a-z0-9_-]*$/;

function checkedName(n: string): string {
  if (!projectNameRule.test(n)) {
    throw new ComposeError(`invalid project name ${JSON.stringify(n)}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`);
  }
  return n;
}

/** -p, else COMPOSE_PROJECT_NAME, else `name:`, else the directory's name made valid */
function projectNameOf(opts: LoadOptions, env: Record<string, string>, merged: Dict, workingDir: string): string {
  if (opts.projectName !== undefined) return checkedName(opts.projectName);
  if (env.COMPOSE_PROJECT_NAME) return checkedName(env.COMPOSE_PROJECT_NAME);
  if (typeof merged.name === 'string' && merged.name !== '') return checkedName(merged.name);
  const fromDir = basename(workingDir).toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '');
  if (!fromDir) throw new ComposeError(`project name must not be empty: the directory ${workingDir} gives none; name the project with -p or name:`);
  return fromDir;
}

/** Services without profiles, with an enabled one, or named by the command (and what those depend on) */
function applyProfiles(all: Record<string, Service>, opts: LoadOptions, env: Record<string, string>, warn: (m: string) => void): Pick<Project, 'services' | 'disabledServices'> {
  const enabled = opts.profiles && opts.profiles.length > 0 ? opts.profiles : (env.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const active = new Set(Object.values(all).filter((s) => s.profiles.length === 0 || s.profiles.some((p) => enabled.includes(p) || enabled.includes('*'))).map((s) => s.name));
  const enable = (name: string): void => {
    if (!all[name]) throw new ComposeError(`no such service: ${name}`, { service: name }, { kind: 'NotFound' });
    active.add(name);
    for (const dep of Object.keys(all[name].dependsOn)) if (!active.has(dep)) enable(dep);
  };
  for (const name of opts.services ?? []) enable(name);
  for (const name of active) {
    for (const [dep, d] of Object.entries(all[name].dependsOn)) {
      if (active.has(dep)) continue;
      if (d.required) {
        throw new ComposeError(`service "${dep}" was pulled in as a dependency of service "${name}" but is not enabled by the active profiles. You may fix this by adding a common profile to "${dep}" and "${name}".`, { service: name, key: `services.${name}.depends_on` });
      }
      warn(`service "${name}": the optional dependency "${dep}" is disabled by profiles; it is skipped`);
    }
  }
  const services: Record<string, Service> = {};
  const disabledServices: Record<string, Service> = {};
  for (const [name, s] of Object.entries(all)) (active.has(name) ? services : disabledServices)[name] = s;
  return { services, disabledServices };
}
