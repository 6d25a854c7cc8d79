// loadProject: compose files + environment → the resolved Project (see ../types.ts). The steps, in order:
// find and read the files, read .env / --env-file, name the project, then for each file parse the YAML,
// drop `x-` keys, interpolate, check it against keys.ts and put it in canonical form; merge the files; type
// every service; then the rules that need the whole project (rules.ts).
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LoadOptions, Project, Service } from '../types.ts';
import { readEnvFile } from './dotenv.ts';
import { composeFilePaths, parseYaml, readSources, type ComposeSource } from './files.ts';
import { isMapping, type Lookup } from './interpolate.ts';
import { mergeFiles } from './merge.ts';
import { resolveExtends } from './extends.ts';
import { applyIncludes } from './include.ts';
import { mountFileRefs } from './secrets.ts';
import { prepareFile, type FileContext } from './prepare.ts';
import { applyProfiles, checkReferences, checkServiceRules, projectNameOf } from './rules.ts';
import { checkPortConflicts, networksOf, volumesOf } from './top-level.ts';
import { normalizeService, type ServiceContext } from './service.ts';
import type { PathContext } from './volumes.ts';

type Dict = Record<string, unknown>;

interface LoadedFile {
  path: string;
  dict: Dict;
  resets: string[][];
}

export async function loadProject(opts: LoadOptions): Promise<Project> {
  const warn = opts.warn ?? (() => undefined);
  const paths = composeFilePaths(opts, warn);
  const sources = await readSources(paths, opts.stdin ?? process.stdin);
  const workingDir = resolve(opts.cwd, opts.projectDirectory ?? (paths[0] === '-' ? '.' : dirname(paths[0])));
  const dotenv = projectEnvironment(opts, workingDir);
  const parsed = sources.map((src) => ({ src, ...parseYaml(src) }));
  const name = projectNameOf(opts, dotenv, parsed.map((p) => ({ file: p.src.path, name: p.value.name })), workingDir);
  // the files may use ${COMPOSE_PROJECT_NAME}: it is the project's name, as docker compose sets it
  const environment: Record<string, string> = { ...dotenv, COMPOSE_PROJECT_NAME: name };
  const lookup: Lookup = (k) => (Object.hasOwn(environment, k) ? environment[k] : undefined);
  const pathCtx: PathContext = { projectDir: workingDir, home: environment.HOME };
  const unset = new Set<string>();
  const onUnset = (v: string): void => {
    if (!unset.has(v)) warn(`The "${v}" variable is not set. Defaulting to a blank string.`);
    unset.add(v);
  };
  const files = parsed.map((p) => ({ path: p.src.path, resets: p.resets, dict: processFile(p.src, p.value, p.resets, { lookup, onUnset, warn, pathCtx }) }));
  const merged = mergeFiles(files);
  const fileOf = lastFileSetting(files);
  const sctx: ServiceContext = { ...pathCtx, lookup, fileOf, warn };
  const all: Record<string, Service> = {};
  for (const [n, raw] of Object.entries(merged.services as Dict)) all[n] = normalizeService(n, raw as Dict, sctx);
  const { services, disabledServices } = applyProfiles(all, opts, environment);
  checkServiceRules(services, merged, fileOf);
  checkReferences({ services, disabledServices }, merged, fileOf, warn);
  mountFileRefs(services, merged, pathCtx, fileOf);
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

/** The file that last set `services.<service>.<key>` (key '' : the last file defining the service) */
function lastFileSetting(files: LoadedFile[]): (service: string, key: string) => string | undefined {
  return (service, key) => {
    const holding = files.filter((f) => isMapping((f.dict.services as Dict | undefined)?.[service]));
    const setting = holding.filter((f) => key === '' || key in ((f.dict.services as Dict)[service] as Dict));
    return (setting.at(-1) ?? holding.at(-1))?.path;
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

/** One file: prepared (prepare.ts), `extends` resolved, canonical, `include:` imported — and each service typed once on its
 *  own, so a bad value is reported against the file that holds it */
function processFile(src: ComposeSource, value: Dict, resets: string[][], ctx: FileContext): Dict {
  const top = prepareFile(src.path, value, ctx);
  const own = { ...top, services: resolveExtends(isMapping(top.services) ? top.services : {}, src.path, ctx, resets) };
  const dict = applyIncludes(own, src.path, ctx.pathCtx.projectDir, ctx, []);
  for (const [name, s] of Object.entries(dict.services as Dict)) {
    normalizeService(name, s as Dict, { ...ctx.pathCtx, lookup: ctx.lookup, fileOf: () => src.path, warn: () => undefined });
  }
  return dict;
}
