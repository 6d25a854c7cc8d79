// Variable substitution as docker compose does it (compose-go's template package): `$VAR`, `${VAR}`,
// `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`,
// `$$` for a literal `$`; defaults may themselves hold substitutions. Only values are substituted, not keys.

/** Looks a variable up: undefined when it is unset */
export type Lookup = (name: string) => string | undefined;

/** A template that cannot be read (`${}`, `${VAR`, `${1A}`) or a required variable that is not set */
export class TemplateError extends Error {}

const nameStart = /[A-Za-z_]/;
const nameChar = /[A-Za-z0-9_]/;

/** Substitute the variables of one string; `onUnset` hears of each plain `${VAR}` that was not set. */
export function substitute(template: string, lookup: Lookup, onUnset?: (name: string) => void): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(template, i + 2);
      if (end < 0) throw new TemplateError(`Invalid template: ${JSON.stringify(template)}`);
      out += braced(template.slice(i + 2, end), template, lookup, onUnset);
      i = end + 1;
    } else if (next !== undefined && nameStart.test(next)) {
      let j = i + 1;
      while (j < template.length && nameChar.test(template[j])) j++;
      out += plain(template.slice(i + 1, j), lookup, onUnset);
      i = j;
    } else {
      out += '$';
      i++;
    }
  }
  return out;
}

/** The index of the `}` closing a `${` whose body starts at `from`, nested `${…}` skipped; -1 when none */
function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '$') i++;
    else if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function plain(name: string, lookup: Lookup, onUnset?: (name: string) => void): string {
  const v = lookup(name);
  if (v === undefined) onUnset?.(name);
  return v ?? '';
}

/** The body of `${…}`: a name, then nothing or one operator and its word */
function braced(body: string, template: string, lookup: Lookup, onUnset?: (name: string) => void): string {
  let j = 0;
  if (!nameStart.test(body[0] ?? '')) throw new TemplateError(`Invalid template: ${JSON.stringify(template)}`);
  while (j < body.length && nameChar.test(body[j])) j++;
  const name = body.slice(0, j);
  if (j === body.length) return plain(name, lookup, onUnset);
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(body.slice(j))?.[1];
  if (!op) throw new TemplateError(`Invalid template: ${JSON.stringify(template)}`);
  const word = body.slice(j + op.length);
  const value = lookup(name);
  const unset = value === undefined;
  const empty = unset || value === '';
  const sub = (): string => substitute(word, lookup, onUnset);
  switch (op) {
    case ':-':
      return empty ? sub() : value;
    case '-':
      return unset ? sub() : value;
    case ':?':
    case '?':
      if (op === ':?' ? empty : unset) {
        const reason = sub();
        throw new TemplateError(`required variable ${name} is missing a value${reason ? `: ${reason}` : ''}`);
      }
      return value!;
    case ':+':
      return empty ? '' : sub();
    default:
      return unset ? '' : sub();
  }
}

/**
 * Substitute every string value of a parsed YAML tree (keys stay as written). A failure names the value's
 * path as docker compose does: `error while interpolating services.web.image: required variable …`.
 */
export function interpolateTree(value: unknown, lookup: Lookup, path: string, onUnset?: (name: string) => void): unknown {
  if (typeof value === 'string') {
    try {
      return substitute(value, lookup, onUnset);
    } catch (err) {
      if (err instanceof TemplateError) throw new TemplateError(`error while interpolating ${path}: ${err.message}`);
      throw err;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, lookup, `${path}[${i}]`, onUnset));
  if (isMapping(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, lookup, path ? `${path}.${k}` : k, onUnset);
    return out;
  }
  return value;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
