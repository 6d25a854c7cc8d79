// Dockerfile text → logical lines (buildkit frontend/dockerfile/parser/parser.go): parser directives,
// comments, continuation lines (with the escape character), heredoc bodies. Each node keeps its
// 1-based first and last line, so every later error can name the line as docker does.
import { processWords } from './lex.ts';

export interface Heredoc {
  /** The terminator word (`EOF`), quotes removed. */
  name: string;
  /** The body, each line ending in "\n" (tabs not yet stripped for `<<-`). */
  content: string;
  /** `<<-`: leading tabs are stripped from the body lines. */
  chomp: boolean;
  /** False when the terminator was quoted (`<<"EOF"`): the body is taken literally. */
  expand: boolean;
}

export interface RawLine {
  /** The instruction word as written (`from`, `RUN`). */
  word: string;
  /** First and last physical line, 1-based. */
  line: number;
  endLine: number;
  /** `--flag[=value]` words before the arguments. */
  flags: string[];
  /** The rest of the logical line after the flags, trimmed. */
  rest: string;
  /** The whole logical line (continuations joined). */
  original: string;
  heredocs: Heredoc[];
}

export interface SplitResult {
  escape: string;
  /** Parser directives seen at the top (`syntax`, `escape`, `check`), keys lower-case. */
  directives: Record<string, string>;
  lines: RawLine[];
  warnings: string[];
}

/** A parse error at a line; the front door turns it into `Dockerfile:<line>: <message>`. */
export class LineError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

const directiveRe = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const knownDirectives = new Set(['escape', 'syntax', 'check']);
const heredocCommands = new Set(['add', 'copy', 'run']);

const trimLeft = (s: string) => s.replace(/^\s+/u, '');
const isComment = (s: string) => trimLeft(s).startsWith('#');

export function splitLines(text: string): SplitResult {
  const physical = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  if (physical.length && physical[physical.length - 1] === '') physical.pop();
  const directives: Record<string, string> = {};
  let directivesDone = false;
  let escape = '\\';
  let continuation = /\\[ \t]*$/;
  const out: RawLine[] = [];
  const warnings: string[] = [];

  // Directives count only in the leading comment block, before any instruction, blank line or other comment.
  const checkDirective = (raw: string, lineNo: number) => {
    if (directivesDone) return;
    const m = directiveRe.exec(raw);
    const key = m?.[1].toLowerCase();
    if (!m || !key || !knownDirectives.has(key)) {
      directivesDone = true;
      return;
    }
    if (key in directives) throw new LineError(lineNo, `only one ${key} parser directive can be used`);
    directives[key] = m[2];
    if (key === 'escape') {
      if (m[2] !== '`' && m[2] !== '\\') throw new LineError(lineNo, `invalid escape token '${m[2]}' does not match \` or \\`);
      escape = m[2];
      continuation = new RegExp(`\\${escape}[ \\t]*$`);
    }
  };

  let i = 0;
  while (i < physical.length) {
    const first = trimLeft(physical[i]);
    checkDirective(first, i + 1);
    i++;
    const startLine = i;
    if (isComment(first)) continue;
    let line = first;
    let ended = !continuation.test(line);
    if (!ended) line = line.replace(continuation, '');
    else if (line.trim() === '') continue;
    let emptyContinuation = false;
    while (!ended && i < physical.length) {
      const raw = physical[i];
      checkDirective(raw, i + 1);
      i++;
      if (isComment(raw)) continue;
      if (raw.trim() === '') {
        emptyContinuation = true;
        continue;
      }
      ended = !continuation.test(raw);
      line += ended ? raw : raw.replace(continuation, '');
    }
    if (emptyContinuation) warnings.push(`Empty continuation line found in: ${line}`);
    if (line.trim() === '') continue;
    const node = splitCommand(line, startLine, i);
    if (lineCanHaveHeredocs(node) && line.includes('<<')) {
      for (const doc of heredocsIn(node.rest, escape)) {
        const body = readHeredocBody(physical, i, doc);
        if (!body) throw new LineError(startLine, 'unterminated heredoc');
        i = body.next;
        node.heredocs.push({ ...doc, content: body.content });
      }
      node.endLine = i;
    }
    out.push(node);
  }
  return { escape, directives, lines: out, warnings };
}

function lineCanHaveHeredocs(node: RawLine): boolean {
  const cmd = node.word.toLowerCase();
  if (heredocCommands.has(cmd)) return true;
  if (cmd !== 'onbuild') return false;
  const sub = /^(\S+)/.exec(node.rest)?.[1]?.toLowerCase();
  return !!sub && heredocCommands.has(sub);
}

function readHeredocBody(physical: string[], from: number, doc: Omit<Heredoc, 'content'>): { content: string; next: number } | null {
  let content = '';
  for (let i = from; i < physical.length; i++) {
    const candidate = doc.chomp ? physical[i].replace(/^\t+/, '') : physical[i];
    if (candidate === doc.name) return { content, next: i + 1 };
    content += physical[i] + '\n';
  }
  return null;
}

const heredocRe = /^(\d*)<<(-?)([^<]*)$/;

/** The heredocs a line opens, in order (`<<EOF`, `<<-EOT`, `<<"EOF"`, `3<<X`). */
export function heredocsIn(rest: string, escape: string): Omit<Heredoc, 'content'>[] {
  let words: string[];
  try {
    words = processWords(rest, {}, { escape, rawQuotes: true, rawEscapes: true });
  } catch {
    return []; // an unbalanced quote is not a heredoc; the instruction reports it when expanded
  }
  return words.map(parseHeredocWord).filter((d): d is Omit<Heredoc, 'content'> => d !== null);
}

/** `<<EOF` → {name EOF, expand}; anything else → null. */
export function parseHeredocWord(word: string): Omit<Heredoc, 'content'> | null {
  const m = heredocRe.exec(word);
  if (!m || m[3] === '') return null;
  let name: string;
  try {
    name = processWords(m[3], {})[0] ?? '';
  } catch {
    return null; // unbalanced quotes in the name: not a heredoc
  }
  if (!name) return null;
  const quoted = /['"]/.test(m[3]);
  return { name, chomp: m[2] === '-', expand: !quoted };
}

// `CMD --flag=x args` → word, flags, rest (buildkit splitCommand + extractBuilderFlags).
function splitCommand(line: string, startLine: number, endLine: number): RawLine {
  const trimmed = line.trim();
  const m = /^(\S+)(?:[\t\v\f\r ]+([\s\S]*))?$/.exec(trimmed);
  const word = m?.[1] ?? trimmed;
  const { flags, rest } = extractFlags(m?.[2] ?? '');
  return { word, line: startLine, endLine, flags, rest: rest.trim(), original: line, heredocs: [] };
}

// Leading `--name[=value]` words (quotes allowed inside a flag word), up to the first other word or `--`.
export function extractFlags(text: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
    if (!text.startsWith('--', pos)) return { flags, rest: text.slice(pos) };
    let word = '';
    let quote = '';
    for (; pos < text.length; pos++) {
      const c = text[pos];
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
      } else if (c === '"' || c === "'") quote = c;
      else if (/\s/.test(c)) break;
      else word += c;
    }
    if (word === '--') return { flags, rest: text.slice(pos) };
    flags.push(word);
  }
}
