// Go's filepath.Match for COPY/ADD sources: `*` and `?` never cross a `/`, `[...]` classes with `^`
// negation and ranges, `\` escapes. Docker's legacy builder matches a wildcard source against every
// path of the context (walked in lexical order) with it.
import { invalidArgument } from '../../../lib/errors.ts';
import { parseClass, type GlobClass } from '../../../lib/dockerignore.ts';

const cache = new Map<string, RegExp>();

/** filepath.Match(pattern, name); a malformed pattern throws as ErrBadPattern does. */
export function goMatch(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp('^' + globToRegExpSource(pattern) + '$', 'su');
    cache.set(pattern, re);
  }
  return re.test(name);
}

/** true when the path has a character filepath.Match treats specially (docker's containsWildcards) */
export function hasWildcards(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\') i++;
    else if (path[i] === '*' || path[i] === '?' || path[i] === '[') return true;
  }
  return false;
}

function globToRegExpSource(pattern: string): string {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\') {
      if (i + 1 >= pattern.length) throw badPattern(pattern);
      re += escapeChar(pattern[++i]);
    } else if (ch === '[') {
      const cls = parseClass(pattern, i);
      if (!cls) throw badPattern(pattern);
      re += classToRegExp(cls);
      i = cls.end;
    } else re += escapeChar(ch);
  }
  return re;
}

/** A Go class as a JS class (code point ranges) that, like Go's, never matches `/`. */
function classToRegExp(cls: GlobClass): string {
  const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
  const body = cls.ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
  return `(?!/)[${cls.negate ? '^' : ''}${body}]`;
}

function escapeChar(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? '\\' + ch : ch;
}

function badPattern(pattern: string): Error {
  return invalidArgument(`syntax error in pattern: ${pattern}`);
}
