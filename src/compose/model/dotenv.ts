// `.env`, --env-file and env_file files, read as docker compose reads them (compose-go's dotenv): `KEY=VALUE`
// lines, `export ` prefixes, `#` comments (inline ones after a space in unquoted values), 'single' quotes
// literal, "double" quotes with escapes and substitution, both may span lines; a bare `KEY` takes the
// value from the environment (and is left out when that is unset). Unquoted and double-quoted values are
// substituted: the environment first, then the keys defined above in the same file.
import { readFileSync } from 'node:fs';
import { errnoCode } from '../../lib/errors.ts';
import { ComposeError } from './errors.ts';
import { substitute, TemplateError, type Lookup } from './interpolate.ts';

/** Parse the text of an env file into its variables, in order */
export function parseDotenv(text: string, lookup: Lookup = () => undefined, file = '.env'): Record<string, string> {
  const vars: Record<string, string> = {};
  const scope: Lookup = (k) => lookup(k) ?? (Object.hasOwn(vars, k) ? vars[k] : undefined);
  const src = text.replace(/\r\n?/g, '\n');
  let i = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new ComposeError(`${file}: line ${line}: ${msg}`, { file });
  };
  while (i < src.length) {
    const eol = nextEol(src, i);
    const raw = src.slice(i, eol);
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i = eol + 1;
      line++;
      continue;
    }
    const body = trimmed.replace(/^export\s+/, '');
    const sep = /[=:]/.exec(body);
    if (!sep) {
      const key = body;
      if (/\s/.test(key)) fail('key cannot contain a space');
      const v = lookup(key);
      if (v !== undefined) vars[key] = v;
      i = eol + 1;
      line++;
      continue;
    }
    const key = body.slice(0, sep.index).trim();
    if (/\s/.test(key)) fail('key cannot contain a space');
    const bad = /[^\p{L}\p{N}_.\-[\]]/u.exec(key);
    if (bad) fail(`unexpected character ${JSON.stringify(bad[0])} in variable name ${JSON.stringify(body)}`);
    // the value starts after the separator in the source text (a quoted one may run past this line)
    const lead = raw.length - raw.trimStart().length + (trimmed.length - body.length);
    const valueStart = i + lead + sep.index + 1;
    let j = valueStart;
    while (src[j] === ' ' || src[j] === '\t') j++;
    const q = src[j];
    if (q === '"' || q === "'") {
      const close = closingQuote(src, j + 1, q);
      if (close < 0) fail(`unterminated quoted value for ${key}`);
      const inner = unescapeQuote(src.slice(j + 1, close), q);
      const rest = src.slice(close + 1, nextEol(src, close + 1)).trim();
      if (rest !== '' && !rest.startsWith('#')) fail(`unexpected character after the quoted value of ${key}`);
      vars[key] = q === "'" ? inner : expand(unescapeDouble(inner), scope, fail);
      line += inner.split('\n').length - 1;
      i = nextEol(src, close + 1) + 1;
    } else {
      let value = src.slice(j, eol);
      const hash = value.indexOf(' #');
      if (hash >= 0) value = value.slice(0, hash);
      vars[key] = expand(value.trim(), scope, fail);
      i = eol + 1;
    }
    line++;
  }
  return vars;
}

function nextEol(s: string, from: number): number {
  const n = s.indexOf('\n', from);
  return n < 0 ? s.length : n;
}

/** The closing quote (a backslash escapes the next character in both kinds of quotes) */
function closingQuote(s: string, from: number, q: string): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === q) return i;
  }
  return -1;
}

/** An escaped quote is the quote; every other backslash stays for the double-quote escapes */
function unescapeQuote(s: string, q: string): string {
  return s.replace(/\\(.)/gs, (m, c: string) => (c === q ? q : m));
}

const escapes: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };

/** Go's escapes inside double quotes (`\n`, `\t`, `\"`, `\\`, `\0NNN` octal …; others kept as written);
 *  `\$` becomes `$$` so substitution leaves a literal `$` */
function unescapeDouble(s: string): string {
  return s.replace(/\\(0[0-7]{0,3}|.)/gs, (m, c: string) => {
    if (c === '$') return '$$';
    if (c[0] === '0') return String.fromCharCode(parseInt(c, 8));
    return escapes[c] ?? m;
  });
}

function expand(value: string, scope: Lookup, fail: (msg: string) => never): string {
  try {
    return substitute(value, scope);
  } catch (err) {
    if (err instanceof TemplateError) return fail(err.message);
    throw err;
  }
}

/** Read an env file; a missing one is an error unless `required` is false (then it reads as empty) */
export function readEnvFile(path: string, lookup: Lookup, required = true): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!required && errnoCode(err) === 'ENOENT') return {};
    const why = errnoCode(err) === 'ENOENT' ? 'no such file or directory' : String((err as Error).message);
    throw new ComposeError(`env file ${path} not found: ${why}`, { file: path }, { cause: err });
  }
  return parseDotenv(text, lookup, path);
}
