// A small shape language for the Compose file and its one checker: each file is checked against the table
// in keys.ts before it is merged, so an error names the file, the service and the key as written.
// Wording follows docker compose's ("services.web additional properties 'imagee' not allowed").
import { ComposeError, serviceOfKey } from './errors.ts';
import { isMapping } from './interpolate.ts';
import { editDistance } from '../../lib/edit-distance.ts';

export type Shape =
  | { kind: 'string' | 'int' | 'number' | 'bool' | 'null' | 'scalar' | 'any' }
  | { kind: 'list'; of: Shape }
  | { kind: 'map'; of: Shape }
  | { kind: 'object'; keys: Record<string, Shape>; unsupported?: readonly string[]; ignored?: readonly string[]; required?: readonly string[] }
  | { kind: 'oneOf'; of: Shape[] };

export const str: Shape = { kind: 'string' };
export const int: Shape = { kind: 'int' };
export const num: Shape = { kind: 'number' };
export const bool: Shape = { kind: 'bool' };
export const nul: Shape = { kind: 'null' };
export const scalar: Shape = { kind: 'scalar' };
export const any: Shape = { kind: 'any' };
export const list = (of: Shape): Shape => ({ kind: 'list', of });
export const map = (of: Shape): Shape => ({ kind: 'map', of });
export const oneOf = (...of: Shape[]): Shape => ({ kind: 'oneOf', of });
export function obj(keys: Record<string, Shape>, o: { unsupported?: readonly string[]; ignored?: readonly string[]; required?: readonly string[] } = {}): Shape {
  return { kind: 'object', keys, ...o };
}
/** a list of `KEY=VALUE` strings or a mapping of scalars (environment, labels, args, sysctls) */
export const listOrDict: Shape = oneOf(map(oneOf(scalar, nul)), list(str));
export const strOrList: Shape = oneOf(str, list(str));

const intText = /^[-+]?\d+$/;

const boolWords: Record<string, boolean> = { true: true, false: false, y: true, yes: true, on: true, n: false, no: false, off: false };

/** A boolean as compose-go casts one (YAML 1.1's yes/no/on/off too, after a warning at the check) */
export function yamlBool(v: unknown): boolean {
  return v === true || (typeof v === 'string' && boolWords[v.toLowerCase()] === true);
}
const numText = /^[-+]?(\d+\.?\d*|\.\d+)$/;

/** Whether a value is of a shape's own type (its parts are checked after) */
function rootMatches(shape: Shape, v: unknown): boolean {
  switch (shape.kind) {
    case 'string':
      return typeof v === 'string';
    case 'int':
      return Number.isInteger(v) || (typeof v === 'string' && intText.test(v));
    case 'number':
      return typeof v === 'number' || (typeof v === 'string' && numText.test(v));
    case 'bool':
      return typeof v === 'boolean' || (typeof v === 'string' && v.toLowerCase() in boolWords);
    case 'null':
      return v === null;
    case 'scalar':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    case 'any':
      return true;
    case 'list':
      return Array.isArray(v);
    case 'map':
    case 'object':
      return isMapping(v);
    case 'oneOf':
      return shape.of.some((s) => rootMatches(s, v));
  }
}

/** docker compose's names for JSON schema types (compose-go's humanReadableType) */
const typeWords: Record<string, string[]> = {
  string: ['string'], int: ['integer'], number: ['number'], bool: ['boolean'], null: ['null'],
  scalar: ['boolean', 'number', 'string'], any: [], list: ['array'], map: ['mapping'], object: ['mapping'],
};

function typeNames(shape: Shape): string[] {
  return shape.kind === 'oneOf' ? shape.of.flatMap(typeNames) : typeWords[shape.kind];
}

/** `a string`, `a array or mapping`: compose-go's wording (its article included) */
function describe(shape: Shape): string {
  const names = [...new Set(typeNames(shape))].filter((n) => n !== 'null').sort();
  return `a ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`}`;
}

export interface CheckContext {
  file: string;
  warn: (message: string) => void;
}

/** Check a value against a shape; throws the first problem as a ComposeError naming the file and key */
export function check(value: unknown, shape: Shape, path: string, ctx: CheckContext): void {
  if (!rootMatches(shape, value)) fail(ctx, path, `${path || '(root)'} must be ${describe(shape)}`);
  if (shape.kind === 'bool' && typeof value === 'string' && !/^(true|false)$/i.test(value)) {
    ctx.warn(`${ctx.file}: ${path}: ${JSON.stringify(value)} for boolean is not supported by YAML 1.2, please use \`${yamlBool(value)}\``);
  }
  switch (shape.kind) {
    case 'list':
      (value as unknown[]).forEach((v, i) => check(v, shape.of, `${path}[${i}]`, ctx));
      return;
    case 'map':
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) check(v, shape.of, join(path, k), ctx);
      return;
    case 'object':
      checkObject(value as Record<string, unknown>, shape, path, ctx);
      return;
    case 'oneOf':
      check(value, shape.of.find((s) => rootMatches(s, value))!, path, ctx);
      return;
    default:
      return;
  }
}

function checkObject(value: Record<string, unknown>, shape: Extract<Shape, { kind: 'object' }>, path: string, ctx: CheckContext): void {
  const missing = (shape.required ?? []).filter((k) => !(k in value));
  if (missing.length > 0) {
    fail(ctx, path, `${path} missing ${missing.length === 1 ? 'property' : 'properties'} ${missing.map((k) => `'${k}'`).join(', ')}`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('x-')) continue;
    const sub = shape.keys[k];
    if (sub) check(v, sub, join(path, k), ctx);
    else if (shape.ignored?.includes(k)) ctx.warn(`${ctx.file}: ${join(path, k)} is not supported by skiff and is ignored`);
    else if (shape.unsupported?.includes(k)) fail(ctx, join(path, k), `${join(path, k)} is not supported by skiff`);
    else {
      const near = closest(k, Object.keys(shape.keys));
      fail(ctx, join(path, k), `${path || '(root)'} additional properties '${k}' not allowed${near ? ` (did you mean '${near}'?)` : ''}`);
    }
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function fail(ctx: CheckContext, key: string, message: string): never {
  throw new ComposeError(`validating ${ctx.file}: ${message}`, { file: ctx.file, key, service: serviceOfKey(key) });
}

/** The allowed key nearest to a mistyped one (edit distance at most 2, or a third of its length) */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
