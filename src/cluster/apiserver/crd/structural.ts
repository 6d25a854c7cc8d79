// Pruning and defaulting of custom objects by their structural schema, as kube-apiserver does on every
// request and read: fields the schema does not name are dropped (unless x-kubernetes-preserve-unknown-fields),
// apiVersion/kind/metadata always stay (at the root and in embedded resources); then every missing (or null,
// not nullable) field with a `default` gets it, and defaults apply inside defaults.
import type { Schema as JSONSchemaProps } from './types.ts';
import { cloneJson } from '../../types/clone.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const typeMeta = new Set(['apiVersion', 'kind', 'metadata']);

/** Drops what the schema does not allow, in place. `root`: the object itself (its type meta is kept). */
export function prune(s: JSONSchemaProps, v: unknown, root = false): void {
  if (Array.isArray(v)) {
    const items = Array.isArray(s.items) ? undefined : s.items;
    if (items) for (const x of v) prune(items, x);
    return;
  }
  if (!isObj(v)) return;
  const keep = root || s['x-kubernetes-embedded-resource'];
  const props = s.properties ?? {};
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const k of Object.keys(v)) {
    if (keep && typeMeta.has(k)) continue;
    if (Object.hasOwn(props, k)) prune(props[k], v[k]);
    else if (extra) prune(extra, v[k]);
    else if (!s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties !== true) delete v[k];
  }
}

/** Fills defaults in place. */
export function applyDefaults(s: JSONSchemaProps, v: unknown): void {
  if (Array.isArray(v)) {
    const items = Array.isArray(s.items) ? undefined : s.items;
    if (items) for (let i = 0; i < v.length; i++) v[i] = defaulted(items, v[i]);
    return;
  }
  if (!isObj(v)) return;
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    if (!(k in v) || (v[k] === null && !sub.nullable)) {
      if (sub.default === undefined) continue;
      v[k] = cloneJson(sub.default);
    }
    v[k] = defaulted(sub, v[k]);
  }
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  if (extra) for (const k of Object.keys(v)) if (!Object.hasOwn(s.properties ?? {}, k)) v[k] = defaulted(extra, v[k]);
}

function defaulted(s: JSONSchemaProps, v: unknown): unknown {
  if (v === null && !s.nullable && s.default !== undefined) v = cloneJson(s.default);
  applyDefaults(s, v);
  return v;
}
