// `include:` — other compose applications pulled into this one (the Compose spec's include, as compose-go
// applies it): each entry's files are loaded as their own little project (their directory, their .env or
// env_file under this project's variables, their relative paths made absolute there), merged, and their
// services, networks, volumes, secrets and configs imported; where this file defines the same one, its keys win.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ComposeError } from './errors.ts';
import { readEnvFile } from './dotenv.ts';
import { absolutePaths, resolveExtends } from './extends.ts';
import { parseYaml } from './files.ts';
import { isMapping, type Lookup } from './interpolate.ts';
import { mergeFiles, mergeService, mergeValue } from './merge.ts';
import { prepareFile, type FileContext } from './prepare.ts';

type Dict = Record<string, unknown>;

interface IncludeEntry {
  paths: string[];
  projectDirectory?: string;
  envFiles: string[];
}

function entriesOf(include: unknown): IncludeEntry[] {
  const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
  return (Array.isArray(include) ? include : []).map((e) =>
    isMapping(e)
      ? { paths: list(e.path), projectDirectory: e.project_directory === undefined ? undefined : String(e.project_directory), envFiles: list(e.env_file) }
      : { paths: [String(e)], envFiles: [] },
  );
}

/**
 * A prepared file with its services canonical: its `include:` entries loaded and imported (the file's own
 * definitions merged over the imported ones). `baseDir` is where its relative include paths start;
 * `chain` the files including it (a cycle is an error).
 */
export function applyIncludes(dict: Dict, file: string, baseDir: string, ctx: FileContext, chain: string[]): Dict {
  const { include, ...own } = dict;
  let out: Dict = own;
  for (const entry of entriesOf(include)) {
    const paths = entry.paths.map((p) => resolve(baseDir, p));
    if (paths.length === 0) throw new ComposeError(`${file}: include: an entry needs a path`, { file, key: 'include' });
    const dir = entry.projectDirectory ? resolve(baseDir, entry.projectDirectory) : dirname(paths[0]);
    if ([...chain, file].includes(paths[0])) {
      throw new ComposeError(`include cycle detected:\n${[...chain, file, paths[0]].map((p, i) => (i ? ` include ${p}` : p)).join('\n')}`, { file, key: 'include' });
    }
    const sub = { ...ctx, lookup: includedLookup(entry, baseDir, dir, ctx.lookup), pathCtx: { ...ctx.pathCtx, projectDir: dir } };
    const loaded = paths.map((path) => loadIncluded(path, dir, sub, [...chain, file]));
    out = importResources(mergeFiles(loaded), out);
  }
  return out;
}

/** The included project's variables: its env_file (or its own .env) under the including project's */
function includedLookup(entry: IncludeEntry, baseDir: string, dir: string, parent: Lookup): Lookup {
  const files = entry.envFiles.length > 0 ? entry.envFiles.filter((f) => f !== '/dev/null').map((f) => resolve(baseDir, f)) : [join(dir, '.env')].filter((f) => existsSync(f) && statSync(f).isFile());
  const fromFiles: Record<string, string> = {};
  for (const f of files) Object.assign(fromFiles, readEnvFile(f, (k) => parent(k) ?? fromFiles[k]));
  return (k) => parent(k) ?? (Object.hasOwn(fromFiles, k) ? fromFiles[k] : undefined);
}

function loadIncluded(path: string, dir: string, ctx: FileContext, chain: string[]): { dict: Dict; resets: string[][] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ComposeError(`open ${path}: no such file or directory`, { file: path }, { kind: 'NotFound', cause: err });
  }
  const parsed = parseYaml({ path, text });
  const top = prepareFile(path, parsed.value, ctx);
  const services = resolveExtends(isMapping(top.services) ? top.services : {}, path, ctx, parsed.resets);
  const absolute = Object.fromEntries(Object.entries(services).map(([n, s]) => [n, absolutePaths(s, dir, ctx.pathCtx.home)]));
  return { dict: applyIncludes({ ...top, services: absolute }, path, dir, ctx, chain), resets: parsed.resets };
}

/** services, networks and volumes of `imported` under `target`'s own (which win where both define one) */
function importResources(imported: Dict, target: Dict): Dict {
  const out: Dict = { ...target };
  for (const kind of ['services', 'networks', 'volumes', 'secrets', 'configs'] as const) {
    const mine = isMapping(target[kind]) ? target[kind] : {};
    const theirs = isMapping(imported[kind]) ? imported[kind] : {};
    const merged: Dict = { ...theirs };
    for (const [name, v] of Object.entries(mine)) {
      merged[name] = !(name in theirs) ? v : kind === 'services' ? mergeService(theirs[name] as Dict, v as Dict) : mergeValue(theirs[name], v);
    }
    out[kind] = merged;
  }
  return out;
}
