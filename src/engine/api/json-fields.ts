// Typed reads of the untrusted JSON in request bodies, one way for every route: a field of the wrong type
// is refused (400) naming the field; absent or null reads as undefined. Callers add their own defaults.
import { invalidArgument } from '../../lib/errors.ts';

export type Json = Record<string, unknown>;

export function optObject(v: unknown, field: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`${field}: expected an object`);
  return v as Json;
}

/** An object that must be there. */
export function asObject(v: unknown, field: string): Json {
  const o = optObject(v, field);
  if (!o) throw invalidArgument(`${field}: expected an object`);
  return o;
}

export function optString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidArgument(`${field}: expected a string`);
  return v;
}

export function optStrings(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw invalidArgument(`${field}: expected a list of strings`);
  return v;
}

export function optStringMap(v: unknown, field: string): Record<string, string> | undefined {
  const o = optObject(v, field);
  if (!o) return undefined;
  for (const [k, s] of Object.entries(o)) if (typeof s !== 'string') throw invalidArgument(`${field}.${k}: expected a string`);
  return o as Record<string, string>;
}

export function optInt(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidArgument(`${field}: expected an integer`);
  return v;
}

/** docker's booleans: only `true` is true */
export const optBool = (v: unknown): boolean => v === true;

/** '' and [] and {} read as absent (docker's omitempty fields) */
export const nonEmptyString = (s: string | undefined): string | undefined => (s ? s : undefined);
export const nonEmptyList = <T>(a: T[] | undefined): T[] | undefined => (a && a.length ? a : undefined);
export const nonEmptyMap = <T extends object>(o: T | undefined): T | undefined => (o && Object.keys(o).length ? o : undefined);
