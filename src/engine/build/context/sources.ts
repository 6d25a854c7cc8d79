// COPY/ADD sources in a build context, resolved as docker's legacy builder does (builder/dockerfile/copy.go):
// a wildcard is matched with filepath.Match against every context path, a symlink named as a source is
// followed but never out of the context (an absolute or `..` target is taken inside it, as a chroot would),
// a directory source stands for its contents, and what .dockerignore excludes does not exist.
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { posix, join, relative } from 'node:path';
import { invalidArgument, notFound, errnoCode } from '../../../lib/errors.ts';
import { resolveInRoot } from '../../../lib/tar.ts';
import { compileIgnore, readIgnorePatterns, type IgnoreMatcher } from '../../../lib/dockerignore.ts';
import { goMatch, hasWildcards } from './glob.ts';

/** A received context: its directory and the .dockerignore the builder applies to COPY sources. */
export interface BuildContext {
  dir: string;
  ignore: IgnoreMatcher;
}

/** One file system object a COPY/ADD takes from the context. */
export interface ContextEntry {
  /** its path below the copied source, slash-separated ('' for a file source itself) */
  rel: string;
  /** its path on the host */
  path: string;
  stats: Stats;
  /** a symlink's target (copied as a link, not followed) */
  linkTarget?: string;
}

export interface ResolvedSource {
  /** the source as the instruction wrote it (a wildcard's match for a wildcard) */
  given: string;
  /** its path in the context once symlinks were resolved there */
  contextPath: string;
  /** a directory source: its contents are copied, not the directory itself */
  isDir: boolean;
  /**
   * sorted; for a directory its descendants, for a file one entry with rel ''. A directory .dockerignore
   * excludes but whose re-included paths (`!dir/x`) are listed is not itself listed: make it as needed.
   */
  entries: ContextEntry[];
}

export interface CopySelection {
  sources: ResolvedSource[];
  /** the destination names a directory (trailing `/`, `.`, or several sources) */
  destIsDir: boolean;
}

/** The context in dir, with the ignore file BuildKit would use for this Dockerfile (path relative to dir). */
export function openBuildContext(dir: string, dockerfileRel = 'Dockerfile'): BuildContext {
  return { dir, ignore: compileIgnore(readIgnorePatterns(dir, dockerfileRel).patterns) };
}

/**
 * The sources of `COPY|ADD src... dest`, in order. Throws docker's messages, prefixed `COPY failed: `:
 * a missing (or ignored) source, a path above the context, nothing matched, several sources into a file.
 */
export async function resolveCopySources(ctx: BuildContext, srcs: readonly string[], dest: string, instruction: 'COPY' | 'ADD' = 'COPY'): Promise<CopySelection> {
  const fail = (msg: string, kind = invalidArgument) => kind(`${instruction} failed: ${msg}`);
  const sources: ResolvedSource[] = [];
  for (const src of srcs) {
    const rel = contextRelative(src);
    if (rel === null) throw fail(`forbidden path outside the build context: ${src} ()`);
    if (hasWildcards(rel)) {
      for (const match of await walkMatches(ctx, rel)) sources.push(await resolveOne(ctx, match, match, fail));
    } else {
      sources.push(await resolveOne(ctx, src, rel, fail));
    }
  }
  if (sources.length === 0) throw fail('no source files were specified');
  const endsAsDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
  if (sources.length > 1 && !endsAsDir) {
    throw invalidArgument(`When using ${instruction} with more than one source file, the destination must be a directory and end with a /`);
  }
  return { sources, destIsDir: endsAsDir || sources.length > 1 };
}

/** The source as a clean context path ('' for the context itself), or null when it climbs above it. */
function contextRelative(src: string): string | null {
  let p = posix.normalize(src.replace(/^\/+/, ''));
  if (p === '..' || p.startsWith('../')) return null;
  if (p === '.' || p === './') return '';
  if (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

async function resolveOne(ctx: BuildContext, given: string, rel: string, fail: (m: string, k?: typeof notFound) => Error): Promise<ResolvedSource> {
  const missing = () => fail(`file not found in build context or excluded by .dockerignore: stat ${rel || '.'}: file does not exist`, notFound);
  if (rel !== '' && ctx.ignore.matches(rel)) throw missing();
  const path = await resolveInRoot(ctx.dir, rel).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOTDIR') throw missing(); // a file used as a directory on the way
    throw err;
  });
  const contextPath = relative(ctx.dir, path);
  if (contextPath !== '' && ctx.ignore.matches(contextPath)) throw missing();
  const stats = await lstatOrNull(path);
  if (!stats) throw missing();
  if (!stats.isDirectory()) {
    return { given, contextPath, isDir: false, entries: [{ rel: '', path, stats, ...(await linkOf(path, stats)) }] };
  }
  const entries: ContextEntry[] = [];
  await walk(ctx, path, contextPath, '', entries);
  return { given, contextPath, isDir: true, entries };
}

/** A directory's descendants in lexical order, symlinks not followed, ignored paths left out. */
async function walk(ctx: BuildContext, dir: string, dirContextPath: string, dirRel: string, out: ContextEntry[]): Promise<void> {
  for (const name of (await readdir(dir)).sort(byteOrder)) {
    const path = join(dir, name);
    const rel = dirRel ? `${dirRel}/${name}` : name;
    const cpath = dirContextPath ? `${dirContextPath}/${name}` : name;
    const stats = await lstat(path);
    const ignored = ctx.ignore.matches(cpath);
    if (ignored && !(stats.isDirectory() && ctx.ignore.mayReinclude(cpath))) continue;
    if (!ignored) out.push({ rel, path, stats, ...(await linkOf(path, stats)) });
    if (stats.isDirectory()) await walk(ctx, path, cpath, rel, out);
  }
}

/** Every context path (lexical walk, as filepath.WalkDir) that the wildcard matches. */
async function walkMatches(ctx: BuildContext, pattern: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dirRel: string): Promise<void> => {
    for (const name of (await readdir(join(ctx.dir, dirRel))).sort(byteOrder)) {
      const rel = dirRel ? `${dirRel}/${name}` : name;
      const stats = await lstat(join(ctx.dir, rel));
      const ignored = ctx.ignore.matches(rel);
      if (!ignored && goMatch(pattern, rel)) found.push(rel);
      if (stats.isDirectory() && (!ignored || ctx.ignore.mayReinclude(rel))) await visit(rel);
    }
  };
  await visit('');
  return found;
}

async function linkOf(path: string, stats: Stats): Promise<{ linkTarget?: string }> {
  return stats.isSymbolicLink() ? { linkTarget: await readlink(path) } : {};
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch {
    return null; // missing, or a component that is not a directory: both are "not found" to COPY
  }
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
