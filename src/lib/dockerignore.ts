// .dockerignore with Docker's own semantics (moby/patternmatcher and its ignorefile reader), written here
// rather than taken from @balena/dockerignore, which follows node-ignore's API and differs from moby on
// parent-directory matches and `**` edge cases. The CLI (when it makes the context tar) and the builder
// (when it resolves COPY sources) both use it, so it lives in lib.
import { readFileSync } from 'node:fs';
import { posix, join } from 'node:path';
import { invalidArgument, errnoCode } from './errors.ts';

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

interface Pattern {
  /** the cleaned pattern without its `!` */
  text: string;
  exclusion: boolean;
  type: MatchType;
  regexp: RegExp | null;
}

/** A compiled .dockerignore: `matches(path)` says whether a context path (or one of its parents) is excluded. */
export interface IgnoreMatcher {
  readonly patterns: readonly string[];
  /** true when the path (slash-separated, relative to the context) is excluded, as MatchesOrParentMatches */
  matches(path: string): boolean;
  /** a directory that is excluded may still hold re-included paths (a `!dir/x` pattern): walk into it then */
  mayReinclude(dir: string): boolean;
}

/** ignorefile.ReadAll: the lines of a .dockerignore made into patterns (comments, blanks, `/` and `!` handled). */
export function parseIgnoreFile(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const line of lines) {
    if (line.startsWith('#')) continue; // a comment only when `#` is the very first character
    let p = line.trim();
    if (p === '') continue;
    const invert = p.startsWith('!');
    if (invert) p = p.slice(1).trim();
    if (p.length > 0) {
      p = posix.normalize(p);
      if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    }
    out.push(invert ? '!' + p : p);
  }
  return out;
}

/** patternmatcher.New: compile patterns; a lone `!` or a malformed `[` class is refused as docker does. */
export function compileIgnore(patterns: readonly string[]): IgnoreMatcher {
  const compiled: Pattern[] = [];
  for (const raw of patterns) {
    let p = raw.trim();
    if (p === '') continue;
    p = cleanPath(p);
    let exclusion = false;
    if (p.startsWith('!')) {
      if (p.length === 1) throw invalidArgument('illegal exclusion pattern: "!"');
      exclusion = true;
      p = p.slice(1);
    }
    checkGlobSyntax(p);
    compiled.push({ text: p, exclusion, ...compilePattern(p) });
  }
  return {
    patterns: compiled.map((c) => (c.exclusion ? '!' : '') + c.text),
    matches: (path) => matchesOrParentMatches(compiled, path),
    mayReinclude: (dir) => compiled.some((c) => c.exclusion && (c.text + '/').startsWith(dir + '/')),
  };
}

/** Go's filepath.Clean for a slash path ('' → '.', trailing slash dropped). */
function cleanPath(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function matchesOrParentMatches(patterns: Pattern[], file: string): boolean {
  let matched = false;
  const parent = posix.dirname(file);
  const parentDirs = parent.split('/');
  for (const pattern of patterns) {
    // an inclusion cannot add to a match, nor an exclusion remove a non-match
    if (pattern.exclusion !== matched) continue;
    let match = matchOne(pattern, file);
    if (!match && parent !== '.') {
      for (let i = 0; i < parentDirs.length && !match; i++) match = matchOne(pattern, parentDirs.slice(0, i + 1).join('/'));
    }
    if (match) matched = !pattern.exclusion;
  }
  return matched;
}

function matchOne(p: Pattern, path: string): boolean {
  switch (p.type) {
    case 'exact':
      return path === p.text;
    case 'prefix':
      return path.startsWith(p.text.slice(0, -2)); // "foo**" → prefix "foo"
    case 'suffix': {
      const suffix = p.text.slice(2);
      if (path.endsWith(suffix)) return true;
      return suffix.startsWith('/') && path === suffix.slice(1); // **/foo matches "foo"
    }
    default:
      return p.regexp!.test(path);
  }
}

const regexpSpecial = new Set([...'.+()|{}$']);

/** Pattern.compile: the pattern as a regexp, or a cheaper exact/prefix/suffix test, as moby decides. */
function compilePattern(pattern: string): { type: MatchType; regexp: RegExp | null } {
  let re = '^';
  let type: MatchType = 'exact';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        const first = i === 0;
        i++;
        if (chars[i + 1] === '/') i++; // "**/" is treated as "**"
        if (i + 1 >= chars.length) {
          if (type === 'exact') type = 'prefix';
          else {
            re += '.*';
            type = 'regexp';
          }
        } else {
          re += '(.*/)?';
          type = 'regexp';
        }
        if (first) type = 'suffix';
      } else {
        re += '[^/]*';
        type = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      type = 'regexp';
    } else if (regexpSpecial.has(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      if (i + 1 < chars.length) {
        re += '\\' + chars[++i];
        type = 'regexp';
      } else re += '\\\\';
    } else if (ch === '[' || ch === ']') {
      re += ch;
      type = 'regexp';
    } else {
      re += ch;
    }
  }
  if (type !== 'regexp') return { type, regexp: null };
  re += '$';
  try {
    return { type, regexp: new RegExp(re) };
  } catch (err) {
    throw invalidArgument(`syntax error in pattern "${pattern}"`, err);
  }
}

/** filepath.Match's syntax check (ErrBadPattern): unclosed or empty `[` classes, a trailing `\`. */
function checkGlobSyntax(p: string): void {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      if (i + 1 >= p.length) throw invalidArgument('syntax error in pattern');
      i++;
    } else if (p[i] === '[') {
      const cls = parseClass(p, i);
      if (!cls) throw invalidArgument('syntax error in pattern');
      i = cls.end;
    }
  }
}

/** A `[...]` class of filepath.Match: its ranges (code points), negation, and where it ends. */
export interface GlobClass {
  end: number;
  negate: boolean;
  ranges: Array<[number, number]>;
}

/** Parse the class opening at `open` as Go's matchChunk does, or null when it is malformed (ErrBadPattern). */
export function parseClass(p: string, open: number): GlobClass | null {
  let i = open + 1;
  const negate = p[i] === '^';
  if (negate) i++;
  const ranges: Array<[number, number]> = [];
  // one character of a class: `-` and `]` must be escaped there, `\` escapes the next
  const getEsc = (): number | null => {
    if (i >= p.length || p[i] === '-' || p[i] === ']') return null;
    if (p[i] === '\\') i++;
    if (i >= p.length) return null;
    const cp = p.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    return cp;
  };
  for (;;) {
    if (i < p.length && p[i] === ']' && ranges.length > 0) return { end: i, negate, ranges };
    const lo = getEsc();
    if (lo === null) return null;
    let hi = lo;
    if (p[i] === '-') {
      i++;
      const h = getEsc();
      if (h === null) return null;
      hi = h;
    }
    ranges.push([lo, hi]);
  }
}

/**
 * The ignore patterns for a build: `<Dockerfile>.dockerignore` beside the Dockerfile when it exists (as
 * BuildKit reads it), else the context's `.dockerignore`; none when neither exists.
 */
export function readIgnorePatterns(contextDir: string, dockerfileRel?: string): { patterns: string[]; file: string | null } {
  const candidates = dockerfileRel ? [`${dockerfileRel}.dockerignore`, '.dockerignore'] : ['.dockerignore'];
  for (const rel of candidates) {
    const path = posix.isAbsolute(rel) ? rel : join(contextDir, rel);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') continue;
      throw err;
    }
    return { patterns: parseIgnoreFile(text), file: rel };
  }
  return { patterns: [], file: null };
}

/** TrimBuildFilesFromExcludes: the Dockerfile and .dockerignore are always sent, whatever the patterns say. */
export function keepBuildFiles(patterns: readonly string[], dockerfileRel: string): string[] {
  const out = [...patterns];
  const m = compileIgnore(out);
  if (m.matches('.dockerignore')) out.push('!.dockerignore');
  if (m.matches(dockerfileRel)) out.push('!' + dockerfileRel);
  return out;
}
