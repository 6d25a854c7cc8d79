// Which compose files a command reads, and their YAML: -f in order (`-` is stdin), else COMPOSE_FILE, else
// the first of compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml found in the working
// directory or its parents, plus the override file beside it (docker compose's discovery).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { errnoCode } from '../../lib/errors.ts';
import type { LoadOptions } from '../types.ts';
import { ComposeError } from './errors.ts';
import { readEnvFile } from './dotenv.ts';
import { isMapping } from './interpolate.ts';

export const defaultFileNames = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const overrideFileNames = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

export interface ComposeSource {
  /** absolute path, or `-` for stdin */
  path: string;
  text: string;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false; // absent or unreadable: not a candidate
  }
}

/** The default files: the first directory from `dir` upwards holding one, and its override file */
export function discoverFiles(dir: string, warn: (m: string) => void): string[] {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const found = defaultFileNames.map((n) => join(d, n)).filter(isFile);
    if (found.length > 0) {
      if (found.length > 1) warn(`Found multiple config files with supported names: ${found.join(', ')}\nUsing ${found[0]}`);
      const override = overrideFileNames.map((n) => join(d, n)).find(isFile);
      return override ? [found[0], override] : [found[0]];
    }
    if (dirname(d) === d) throw new ComposeError('no configuration file provided: not found', {}, { kind: 'NotFound' });
  }
}

/** The paths to read: -f, else COMPOSE_FILE (split on COMPOSE_PATH_SEPARATOR, default ':'), else discovery */
export function composeFilePaths(opts: LoadOptions, warn: (m: string) => void): string[] {
  if (opts.files.length > 0) return opts.files.map((f) => (f === '-' ? '-' : resolve(opts.cwd, f)));
  const fromEnv = opts.env.COMPOSE_FILE ?? dotenvSetting(opts, 'COMPOSE_FILE');
  if (fromEnv) return fromEnv.split(opts.env.COMPOSE_PATH_SEPARATOR || ':').filter(Boolean).map((f) => resolve(opts.cwd, f));
  return discoverFiles(opts.projectDirectory ? resolve(opts.cwd, opts.projectDirectory) : opts.cwd, warn);
}

/** A COMPOSE_* setting from the .env (or --env-file) of the directory the command runs in, as docker compose
 *  reads its own settings there before any compose file is found */
function dotenvSetting(opts: LoadOptions, name: string): string | undefined {
  const files = opts.envFiles?.length ? opts.envFiles.map((f) => resolve(opts.cwd, f)) : [join(resolve(opts.cwd, opts.projectDirectory ?? '.'), '.env')];
  let value: string | undefined;
  for (const f of files) if (isFile(f)) value = readEnvFile(f, (k) => opts.env[k])[name] ?? value;
  return value;
}

export async function readSources(paths: string[], stdin: AsyncIterable<Buffer | string>): Promise<ComposeSource[]> {
  const out: ComposeSource[] = [];
  for (const path of paths) {
    if (path === '-') {
      let text = '';
      for await (const chunk of stdin) text += chunk.toString();
      out.push({ path, text });
      continue;
    }
    try {
      out.push({ path, text: readFileSync(path, 'utf8') });
    } catch (err) {
      const why = errnoCode(err) === 'ENOENT' ? 'no such file or directory' : errnoCode(err) === 'EISDIR' ? 'is a directory' : (err as Error).message;
      throw new ComposeError(`open ${path}: ${why}`, { file: path }, { kind: existsSync(path) ? 'InvalidArgument' : 'NotFound', cause: err });
    }
  }
  return out;
}

/** A parsed file: its mapping, and the key paths its `!reset` / `!override` tags mark */
export interface ParsedFile {
  value: Record<string, unknown>;
  /** paths whose earlier value is dropped before this file merges (`!reset` ones are gone from `value` too) */
  resets: string[][];
}

/** A file's YAML (anchors and `<<` merge keys allowed) as a plain mapping */
export function parseYaml(src: ComposeSource): ParsedFile {
  const doc = YAML.parseDocument(src.text, { merge: true, uniqueKeys: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) throw new ComposeError(`${src.path}: ${problem.message.split('\n')[0]}`, { file: src.path });
  const resets = takeResetTags(doc);
  const value: unknown = doc.toJS({ maxAliasCount: 10_000 });
  if (value === null || value === undefined || (isMapping(value) && Object.keys(value).length === 0)) {
    throw new ComposeError(`${src.path}: empty compose file`, { file: src.path });
  }
  if (!isMapping(value)) throw new ComposeError(`${src.path}: Top-level object must be a mapping`, { file: src.path });
  return { value, resets };
}

/**
 * The Compose spec's `!reset` (drop what earlier files set here) and `!override` (replace it instead of
 * merging): the tagged values' key paths, with `!reset` pairs removed and `!override` tags cleared.
 */
function takeResetTags(doc: YAML.Document): string[][] {
  const paths: string[][] = [];
  YAML.visit(doc, {
    Pair(_key, pair, ancestors) {
      const tag = YAML.isNode(pair.value) ? pair.value.tag : undefined;
      if (tag !== '!reset' && tag !== '!override') return undefined;
      const keys = [...ancestors, pair].filter(YAML.isPair).map((p) => String(YAML.isScalar(p.key) ? p.key.value : p.key));
      paths.push(keys);
      if (tag === '!reset') return YAML.visit.REMOVE;
      (pair.value as YAML.Node).tag = undefined;
      return undefined;
    },
  });
  return paths;
}
