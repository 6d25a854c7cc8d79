// A custom object against its version's structural schema, as kube-apiserver's CR validation reports it
// (kube-openapi's validator, its errors turned into field errors): types, nullable, required, enum, pattern,
// min/max (exclusive), lengths, item counts, uniqueness, formats, int-or-string, embedded resources and
// x-kubernetes-list-type set/map. Messages carry kube's words: `spec.replicas: Invalid value: "string":
// spec.replicas in body must be of type integer: "string"`.
import type { Schema as JSONSchemaProps } from './types.ts';
import type { FieldError } from '../../types/status-error.ts';
import { duplicate, invalid, notSupported, required } from '../../types/status-error.ts';
import { checkFormat } from './formats.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** the JSON type kube-openapi names for a value */
function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v; // string, boolean
}

/** `spec.replicas in body must be of type integer: "string"` as a TypeInvalid field error */
const typeError = (path: string, want: string, got: string): FieldError =>
  ({ type: 'FieldValueTypeInvalid', field: path, badValue: got, detail: `${path} in body must be of type ${want}: "${got}"` });

const itemPath = (path: string, i: number) => `${path}[${i}]`;
const childPath = (path: string, k: string) => (path ? `${path}.${k}` : k);

/** Validates `value` at `path` (the root is ''), appending to errs. */
export function validateValue(s: JSONSchemaProps, value: unknown, path: string, errs: FieldError[]): void {
  if (value === null) {
    if (s.nullable || s['x-kubernetes-preserve-unknown-fields'] && !s.type) return;
    if (s.type || s['x-kubernetes-int-or-string']) errs.push(typeError(path, s['x-kubernetes-int-or-string'] ? 'integer,string' : s.type!, 'null'));
    return;
  }
  const got = typeName(value);
  if (s['x-kubernetes-int-or-string']) {
    if (got !== 'integer' && got !== 'string') return void errs.push(typeError(path, 'integer,string', got));
  } else if (s.type) {
    const ok = s.type === got || (s.type === 'number' && got === 'integer');
    if (!ok) return void errs.push(typeError(path, s.type, got));
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errs.push(notSupported(path, value, s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }
  if (typeof value === 'string') checkString(s, value, path, errs);
  else if (typeof value === 'number') checkNumber(s, value, path, errs);
  else if (Array.isArray(value)) checkArray(s, value, path, errs);
  else if (isObj(value)) checkObject(s, value, path, errs);
  for (const sub of s.allOf ?? []) validateValue(sub, value, path, errs);
}

function checkString(s: JSONSchemaProps, v: string, path: string, errs: FieldError[]) {
  const len = [...v].length;
  if (s.maxLength !== undefined && len > s.maxLength) errs.push({ type: 'FieldValueTooLong', field: path, badValue: v, detail: `may not be more than ${s.maxLength} bytes` });
  if (s.minLength !== undefined && len < s.minLength) errs.push(invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  if (s.pattern !== undefined && !patternOf(s.pattern).test(v)) errs.push(invalid(path, v, `${path} in body should match '${s.pattern}'`));
  if (s.format && !s['x-kubernetes-int-or-string'] && !checkFormat(s.format, v)) errs.push(typeError(path, s.format, v));
}

const patterns = new Map<string, RegExp>();
/** ECMA-262 patterns (what CRD schemas are written in), compiled once; 'u' so \p{…} and astral chars work */
function patternOf(p: string): RegExp {
  let re = patterns.get(p);
  if (!re) patterns.set(p, (re = new RegExp(p, 'u')));
  return re;
}

function checkNumber(s: JSONSchemaProps, v: number, path: string, errs: FieldError[]) {
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) errs.push(invalid(path, v, `${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
  }
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) errs.push(invalid(path, v, `${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) errs.push(invalid(path, v, `${path} in body should be a multiple of ${s.multipleOf}`));
}

function checkArray(s: JSONSchemaProps, v: unknown[], path: string, errs: FieldError[]) {
  if (s.maxItems !== undefined && v.length > s.maxItems) errs.push({ type: 'FieldValueTooMany', field: path, badValue: v.length, detail: `must have at most ${s.maxItems} items` });
  if (s.minItems !== undefined && v.length < s.minItems) errs.push(invalid(path, v.length, `${path} in body should have at least ${s.minItems} items`));
  const items = Array.isArray(s.items) ? undefined : s.items;
  if (items) v.forEach((x, i) => validateValue(items, x, itemPath(path, i), errs));
  const listType = s['x-kubernetes-list-type'];
  if (s.uniqueItems || listType === 'set') {
    const seen = new Set<string>();
    v.forEach((x, i) => {
      const k = JSON.stringify(x);
      if (seen.has(k)) errs.push(s.uniqueItems ? invalid(path, v, `${path} in body shouldn't contain duplicates`) : duplicate(itemPath(path, i), x));
      seen.add(k);
    });
  }
  if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((x, i) => {
      if (!isObj(x)) return;
      const k = JSON.stringify(keys.map((key) => x[key] ?? null));
      if (seen.has(k)) errs.push(duplicate(itemPath(path, i), Object.fromEntries(keys.filter((key) => key in x).map((key) => [key, x[key]]))));
      seen.add(k);
    });
  }
}

function checkObject(s: JSONSchemaProps, v: Record<string, unknown>, path: string, errs: FieldError[]) {
  for (const r of s.required ?? []) if (!(r in v)) errs.push(required(childPath(path, r), ''));
  const n = Object.keys(v).length;
  if (s.maxProperties !== undefined && n > s.maxProperties) errs.push({ type: 'FieldValueTooMany', field: path, badValue: n, detail: `must have at most ${s.maxProperties} items` });
  if (s.minProperties !== undefined && n < s.minProperties) errs.push(invalid(path, n, `${path} in body should have at least ${s.minProperties} properties`));
  if (s['x-kubernetes-embedded-resource']) {
    for (const k of ['apiVersion', 'kind']) {
      if (typeof v[k] !== 'string' || v[k] === '') errs.push(required(childPath(path, k), 'must not be empty'));
    }
  }
  const props = s.properties ?? {};
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    // the root's metadata is checked as ObjectMeta, not by the schema (kube: only name/generateName may be given)
    if (path === '' && k === 'metadata') continue;
    const sub = Object.hasOwn(props, k) ? props[k] : extra;
    if (sub) validateValue(sub, x, childPath(path, k), errs);
  }
}
