// Docker's shell-word lexer (buildkit frontend/dockerfile/shell): quote removal, escapes, and
// `$VAR` / `${VAR}` / `${VAR:-x}` / `${VAR-x}` / `${VAR:+x}` / `${VAR+x}` / `${VAR:?msg}` /
// `${VAR#p}` `${VAR%p}` `${VAR/p/r}` expansion, plus the word splitting that runs after expansion.
// It never runs a shell: RUN/CMD/ENTRYPOINT text reaches the container's shell unexpanded.

/** The variables visible to one expansion (environment first, then build args; the caller merges). */
export type Vars = Readonly<Record<string, string>>;

export interface LexOptions {
  /** The escape character: `\` (default) or `` ` `` after `# escape=`. */
  escape?: string;
  /** Keep the quote characters in the output (heredoc detection needs them). */
  rawQuotes?: boolean;
  /** Keep the escape characters in the output. */
  rawEscapes?: boolean;
}

export interface LexResult {
  /** The word with quotes removed and variables expanded; spaces kept. */
  word: string;
  /** The same, split into words (after expansion, quoted spaces kept). */
  words: string[];
}

/** Expand one word (ENV value, WORKDIR path, …); throws Error with docker's wording on bad syntax. */
export function processWord(source: string, vars: Vars, opts: LexOptions = {}): string {
  return lex(source, vars, opts).word;
}

/** Expand and split into words (COPY sources, EXPOSE ports, VOLUME paths, heredoc detection). */
export function processWords(source: string, vars: Vars, opts: LexOptions = {}): string[] {
  return lex(source, vars, opts).words;
}

export function lex(source: string, vars: Vars, opts: LexOptions = {}): LexResult {
  const s: Scan = { chars: Array.from(source), pos: 0, vars, escape: opts.escape ?? '\\', rawQuotes: !!opts.rawQuotes, rawEscapes: !!opts.rawEscapes };
  try {
    return stopOn(s, undefined, s.rawEscapes);
  } catch (err) {
    throw new Error(`failed to process "${source}": ${(err as Error).message}`);
  }
}

interface Scan {
  chars: string[];
  pos: number;
  vars: Vars;
  escape: string;
  rawQuotes: boolean;
  rawEscapes: boolean;
}

const isSpace = (ch: string) => /^\s$/u.test(ch);
const peek = (s: Scan): string | undefined => s.chars[s.pos];
const next = (s: Scan): string | undefined => s.chars[s.pos++];

// Words accumulate as docker's wordsStruct: expanded text splits on spaces, quoted text does not.
interface WordsSink {
  word: string;
  words: string[];
  inWord: boolean;
}

const newSink = (): WordsSink => ({ word: '', words: [], inWord: false });

function addChar(w: WordsSink, ch: string): void {
  if (!isSpace(ch)) return addRaw(w, ch);
  if (w.inWord && w.word.length) {
    w.words.push(w.word);
    w.word = '';
    w.inWord = false;
  }
}

function addRaw(w: WordsSink, text: string): void {
  w.word += text;
  w.inWord = true;
}

function addExpanded(w: WordsSink, text: string): void {
  for (const ch of text) addChar(w, ch);
}

function finish(w: WordsSink): string[] {
  if (w.word.length) w.words.push(w.word);
  return w.words;
}

function stopOn(s: Scan, stop: string | undefined, rawEscapes: boolean): LexResult {
  let result = '';
  const sink = newSink();
  for (let ch = peek(s); ch !== undefined; ch = peek(s)) {
    if (stop !== undefined && ch === stop) {
      s.pos++;
      return { word: result, words: finish(sink) };
    }
    if (ch === '$') {
      const v = dollar(s);
      result += v;
      addExpanded(sink, v);
    } else if (ch === "'" || ch === '"') {
      const v = ch === "'" ? singleQuote(s) : doubleQuote(s, rawEscapes);
      result += v;
      addRaw(sink, v);
    } else {
      next(s);
      if (ch === s.escape) {
        if (rawEscapes) {
          addRaw(sink, ch);
          result += ch;
        }
        const escaped = next(s);
        if (escaped === undefined) break; // an escape at the end of the word is dropped
        addRaw(sink, escaped);
        result += escaped;
      } else {
        addChar(sink, ch);
        result += ch;
      }
    }
  }
  if (stop !== undefined) throw new Error(`unexpected end of statement while looking for matching ${stop}`);
  return { word: result, words: finish(sink) };
}

function singleQuote(s: Scan): string {
  let out = s.rawQuotes ? "'" : '';
  next(s);
  for (;;) {
    const ch = next(s);
    if (ch === undefined) throw new Error('unexpected end of statement while looking for matching single-quote');
    if (ch === "'") return s.rawQuotes ? out + ch : out;
    out += ch;
  }
}

function doubleQuote(s: Scan, rawEscapes: boolean): string {
  let out = s.rawQuotes ? '"' : '';
  next(s);
  for (;;) {
    const ch = peek(s);
    if (ch === undefined) throw new Error('unexpected end of statement while looking for matching double-quote');
    if (ch === '"') {
      next(s);
      return s.rawQuotes ? out + ch : out;
    }
    if (ch === '$') {
      out += dollar(s);
      continue;
    }
    let c = next(s) as string;
    if (c === s.escape) {
      if (rawEscapes) out += c;
      const after = peek(s);
      if (after === undefined) continue;
      if (after === '"' || after === '$' || after === s.escape) c = next(s) as string; // only these escape inside "…"
    }
    out += c;
  }
}

function lookup(s: Scan, name: string): string | undefined {
  return Object.hasOwn(s.vars, name) ? s.vars[name] : undefined;
}

function dollar(s: Scan): string {
  next(s);
  if (peek(s) !== '{') {
    const name = readName(s);
    return name === '' ? '$' : (lookup(s, name) ?? '');
  }
  next(s);
  const first = peek(s);
  if (first === undefined) throw new Error("syntax error: missing '}'");
  if (first === '{' || first === '}' || first === ':') throw new Error('syntax error: bad substitution');
  const name = readName(s);
  let ch = next(s);
  if (ch === '}') return lookup(s, name) ?? '';
  if (ch === '/') return substitute(s, name);
  let modifier = ch ?? '';
  let nullIsUnset = false;
  if (ch === ':') {
    nullIsUnset = true;
    ch = next(s);
    modifier += ch ?? '';
  }
  if (ch === undefined || !'+-?#%'.includes(ch)) {
    if (ch === undefined) throw new Error("syntax error: missing '}'");
    throw new Error(`unsupported modifier (${modifier}) in substitution`);
  }
  let word: string;
  try {
    word = stopOn(s, '}', ch === '#' || ch === '%').word;
  } catch (err) {
    if (peek(s) === undefined) throw new Error("syntax error: missing '}'");
    throw err;
  }
  const value = lookup(s, name);
  const unset = value === undefined || (nullIsUnset && value === '');
  switch (ch) {
    case '-':
      return unset ? word : (value as string);
    case '+':
      return unset ? '' : word;
    case '?':
      if (value === undefined) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`);
      if (unset) throw new Error(`${name}: ${word || 'is not allowed to be empty'}`);
      return value;
    default:
      return trimPattern(value ?? '', word, ch === '%');
  }
}

// `${VAR/pat/rep}` replaces the first match of a wildcard pattern (longest), `${VAR//pat/rep}` all of them.
function substitute(s: Scan, name: string): string {
  const all = peek(s) === '/';
  if (all) next(s);
  let pattern: string;
  let replacement: string;
  try {
    pattern = stopOn(s, '/', true).word;
  } catch (err) {
    if (peek(s) === undefined) throw new Error("syntax error: missing '/' in ${}");
    throw err;
  }
  try {
    replacement = stopOn(s, '}', true).word;
  } catch (err) {
    if (peek(s) === undefined) throw new Error("syntax error: missing '}'");
    throw err;
  }
  const value = lookup(s, name) ?? '';
  const re = new RegExp(patternRegex(pattern), all ? 'gs' : 's');
  return value.replace(re, () => replacement);
}

// `${VAR#pat}` / `${VAR##pat}` trim a prefix, `%` / `%%` a suffix (shortest, or longest when doubled).
function trimPattern(value: string, word: string, suffix: boolean): string {
  const marker = suffix ? '%' : '#';
  const greedy = word.startsWith(marker);
  const pattern = greedy ? word.slice(1) : word;
  const re = new RegExp(suffix ? `^(.*?)(${patternRegex(pattern)})$` : `^(${patternRegex(pattern, greedy)})`, 's');
  if (!suffix) {
    const m = re.exec(value);
    return m ? value.slice(m[1].length) : value;
  }
  // shortest suffix: try the latest start first; longest: the earliest
  const starts = [...Array(value.length + 1).keys()];
  for (const i of greedy ? starts : starts.reverse()) {
    if (new RegExp(`^${patternRegex(pattern, true)}$`, 's').test(value.slice(i))) return value.slice(0, i);
  }
  return value;
}

// A shell wildcard pattern (`*`, `?`, `\x`) as a regular expression body.
function patternRegex(pattern: string, greedy = true): string {
  let out = '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '*') out += greedy ? '.*' : '.*?';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < chars.length) out += escapeRegex(chars[++i]);
    else out += escapeRegex(c);
  }
  return out;
}

const escapeRegex = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function readName(s: Scan): string {
  let name = '';
  for (let ch = peek(s); ch !== undefined; ch = peek(s)) {
    if (name === '' && /^\p{Nd}$/u.test(ch)) {
      while (peek(s) !== undefined && /^\p{Nd}$/u.test(peek(s) as string)) name += next(s);
      return name;
    }
    if (name === '' && '@*#?-$!0'.includes(ch)) return next(s) as string;
    if (!/^[\p{L}\p{Nd}_]$/u.test(ch)) break;
    name += next(s);
  }
  return name;
}
