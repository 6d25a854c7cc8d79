// A small evaluator for the Go text/template subset docker's --format uses: literal text, `{{.A.B}}`,
// `{{json .X}}`, `{{index .M "k"}}`, pipelines (`{{.Names | upper}}`), `{{if}}/{{else}}/{{end}}`,
// `{{range}}` (with `$k, $v :=`), `{{with}}`, variables and `{{- -}}` trimming. Values print as Go's %v.
import { CliError } from './errors.ts';

type Value = unknown;
type Term =
  | { t: 'field'; base: 'dot' | string; path: string[] } // `.A.B` (base dot) or `$x.A` (base var name)
  | { t: 'lit'; v: Value }
  | { t: 'ident'; name: string }
  | { t: 'pipe'; p: Pipeline }
  | { t: 'chain'; of: Term; path: string[] }; // `(index .M "k").A.B`
type Command = Term[];
interface Pipeline {
  decl: string[];
  cmds: Command[];
}
type Node =
  | { n: 'text'; s: string }
  | { n: 'action'; p: Pipeline }
  | { n: 'if' | 'with'; p: Pipeline; then: Node[]; else: Node[] }
  | { n: 'range'; p: Pipeline; body: Node[]; else: Node[] };

export interface Template {
  execute(data: Value): string;
}

export const templateFunctions: Record<string, (...args: Value[]) => Value> = {
  json: (v) => JSON.stringify(v ?? null),
  index: (v, ...keys) => keys.reduce((acc: Value, k) => (acc == null ? undefined : (acc as Record<string, Value>)[String(k)]), v),
  join: (v, sep) => (Array.isArray(v) ? v.map(goString).join(String(sep)) : goString(v)),
  split: (s, sep) => String(s).split(String(sep)),
  lower: (s) => goString(s).toLowerCase(),
  upper: (s) => goString(s).toUpperCase(),
  title: (s) => goString(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  truncate: (s, n) => [...goString(s)].slice(0, Number(n)).join(''),
  pad: (s, l, r) => ' '.repeat(Number(l)) + goString(s) + ' '.repeat(Number(r)),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  print: (...a) => a.map(goString).join(''),
  println: (...a) => a.map(goString).join(' ') + '\n',
  printf: (f, ...a) => printf(String(f), a),
  not: (v) => !truthy(v),
  and: (...a) => a.find((v) => !truthy(v)) ?? a[a.length - 1],
  or: (...a) => a.find((v) => truthy(v)) ?? a[a.length - 1],
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
};

/** Go's %v for JSON-shaped data. */
export function goString(v: Value): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, Value>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goString(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function printf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(/%([-+ 0#]*\d*(?:\.\d+)?)([sdvqf%])/g, (_m, _flags: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'q') return JSON.stringify(goString(a));
    if (verb === 'f') return Number(a).toFixed(6);
    return goString(a);
  });
}

const fail = (msg: string) => new CliError(`template parsing error: ${msg}`, 1);

export function parseTemplate(src: string): Template {
  const items = split(src);
  let pos = 0;
  const block = (stops: string[]): { nodes: Node[]; stop: string; elseIf?: string } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const it = items[pos++];
      if (it.text !== undefined) {
        nodes.push({ n: 'text', s: it.text });
        continue;
      }
      const src = it.action!.trim();
      const word = /^(if|range|with|else|end)\b/.exec(src)?.[1];
      if (word === 'end' || word === 'else') {
        if (!stops.includes(word)) throw fail(`unexpected {{${word}}}`);
        const elseIf = /^else\s+(if\b.*)$/s.exec(src)?.[1];
        return { nodes, stop: word, elseIf };
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(control(word, src));
        continue;
      }
      if (src.startsWith('/*')) continue; // comment
      nodes.push({ n: 'action', p: parsePipeline(src) });
    }
    if (stops.length) throw fail('unexpected EOF');
    return { nodes, stop: '' };
  };
  // `{{else if b}}` is an else branch holding one nested if that shares the outer {{end}}
  const control = (word: 'if' | 'with' | 'range', src: string): Node => {
    const p = parsePipeline(src.slice(word.length));
    const body = block(['else', 'end']);
    let elseNodes: Node[] = [];
    if (body.stop === 'else') elseNodes = body.elseIf !== undefined ? [control('if', body.elseIf)] : block(['end']).nodes;
    return word === 'range' ? { n: 'range', p, body: body.nodes, else: elseNodes } : { n: word, p, then: body.nodes, else: elseNodes };
  };
  const root = block([]).nodes;
  return { execute: (data) => run(root, data, { $: data }) };
}

function split(src: string): Array<{ text?: string; action?: string }> {
  const out: Array<{ text?: string; action?: string }> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    const close = findClose(src, start);
    if (close < 0) throw fail('unclosed action');
    let action = src.slice(start, close);
    i = close + 2;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      const m = /^\s*/.exec(src.slice(i))!;
      i += m[0].length;
    }
    if (text) out.push({ text });
    out.push({ action });
  }
  return out;
}

function findClose(src: string, from: number): number {
  let quote = '';
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && src[i + 1] === '}') return i;
  }
  return -1;
}

function tokenize(src: string): string[] {
  // `).A.B` (no space before the dot) closes a parenthesized pipeline and reads fields of its value
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|:=|\)\.[^\s|(),]+|[|(),]|[^\s|(),]+)/gy;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) out.push(m[1]);
  if (src.slice(re.lastIndex).trim() && out.join('') === '') throw fail(`bad action ${JSON.stringify(src)}`);
  return out;
}

function parsePipeline(src: string): Pipeline {
  const toks = tokenize(src);
  let pos = 0;
  const decl: string[] = [];
  const d = toks.indexOf(':=');
  if (d > 0 && toks.slice(0, d).every((t) => t.startsWith('$') || t === ',')) {
    decl.push(...toks.slice(0, d).filter((t) => t !== ','));
    pos = d + 1;
  }
  const pipeline = (): Pipeline => {
    const cmds: Command[] = [[]];
    while (pos < toks.length) {
      const t = toks[pos++];
      if (t === ')' || t.startsWith(').')) break;
      if (t === '|') {
        cmds.push([]);
        continue;
      }
      if (t === '(') {
        const inner: Term = { t: 'pipe', p: pipeline() };
        const closer = toks[pos - 1] ?? '';
        cmds[cmds.length - 1].push(closer.startsWith(').') ? { t: 'chain', of: inner, path: closer.slice(2).split('.') } : inner);
        continue;
      }
      cmds[cmds.length - 1].push(term(t));
    }
    if (cmds.some((c) => c.length === 0)) throw fail(`missing command in ${JSON.stringify(src.trim())}`);
    return { decl: [], cmds };
  };
  const p = pipeline();
  return { decl, cmds: p.cmds };
}

function term(t: string): Term {
  if (t.startsWith('"')) return { t: 'lit', v: JSON.parse(t) };
  if (t.startsWith('`')) return { t: 'lit', v: t.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { t: 'lit', v: Number(t) };
  if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
  if (t === 'nil') return { t: 'lit', v: null };
  if (t === '.') return { t: 'field', base: 'dot', path: [] };
  if (t.startsWith('.')) return { t: 'field', base: 'dot', path: t.slice(1).split('.') };
  if (t.startsWith('$')) {
    const [name, ...path] = t.split('.');
    return { t: 'field', base: name, path };
  }
  if (/^[A-Za-z_]\w*$/.test(t)) return { t: 'ident', name: t };
  throw fail(`unexpected ${JSON.stringify(t)}`);
}

type Vars = Record<string, Value>;

function run(nodes: Node[], dot: Value, vars: Vars): string {
  let out = '';
  for (const node of nodes) {
    switch (node.n) {
      case 'text':
        out += node.s;
        break;
      case 'action': {
        const v = evalPipeline(node.p, dot, vars);
        if (!node.p.decl.length) out += goString(v);
        break;
      }
      case 'if':
      case 'with': {
        const v = evalPipeline(node.p, dot, vars);
        if (truthy(v)) out += run(node.then, node.n === 'with' ? v : dot, vars);
        else out += run(node.else, dot, vars);
        break;
      }
      case 'range': {
        const v = evalPipeline({ decl: [], cmds: node.p.cmds }, dot, vars);
        const entries: Array<[Value, Value]> = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === 'object'
            ? Object.keys(v).sort().map((k) => [k, (v as Record<string, Value>)[k]])
            : typeof v === 'number'
              ? Array.from({ length: v }, (_, i) => [i, i])
              : [];
        if (!entries.length) out += run(node.else, dot, vars);
        for (const [k, x] of entries) {
          const scope = { ...vars };
          const d = node.p.decl;
          if (d.length === 1) scope[d[0]] = x;
          if (d.length === 2) [scope[d[0]], scope[d[1]]] = [k, x];
          out += run(node.body, x, scope);
        }
        break;
      }
    }
  }
  return out;
}

function evalPipeline(p: Pipeline, dot: Value, vars: Vars): Value {
  let value: Value = undefined;
  p.cmds.forEach((cmd, i) => {
    value = evalCommand(cmd, dot, vars, i > 0 ? [value] : []);
  });
  if (p.decl.length === 1) vars[p.decl[0]] = value;
  return value;
}

function evalCommand(cmd: Command, dot: Value, vars: Vars, piped: Value[]): Value {
  const [head, ...rest] = cmd;
  const args = () => [...rest.map((t) => evalTerm(t, dot, vars)), ...piped];
  if (head.t === 'ident') {
    const fn = templateFunctions[head.name];
    if (!fn) throw new CliError(`template: function "${head.name}" not defined`, 1);
    return fn(...args());
  }
  const v = evalTerm(head, dot, vars);
  if (typeof v === 'function') return (v as (...a: Value[]) => Value)(...args());
  if (rest.length || piped.length) throw new CliError(`template: can't give argument to non-function ${goString(v)}`, 1);
  return v;
}

function evalTerm(t: Term, dot: Value, vars: Vars): Value {
  switch (t.t) {
    case 'lit':
      return t.v;
    case 'pipe':
      return evalPipeline(t.p, dot, vars);
    case 'ident':
      return evalCommand([t], dot, vars, []);
    case 'field':
      return fieldPath(t.base === 'dot' ? dot : t.base in vars ? vars[t.base] : failVar(t.base), t.path);
    case 'chain':
      return fieldPath(evalTerm(t.of, dot, vars), t.path);
  }
}

function fieldPath(start: Value, path: string[]): Value {
  let v = start;
  for (const key of path) {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'object') throw new CliError(`template: can't evaluate field ${key} in type ${typeof v}`, 1);
    v = (v as Record<string, Value>)[key];
  }
  return v;
}

function failVar(name: string): never {
  throw fail(`undefined variable "${name}"`);
}
