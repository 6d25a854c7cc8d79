// Patches and selectors for the fake client. Merge and strategic merge are approximated (tests only): the
// real ones live in apiserver/patch. Strategic merge here merges lists of objects by `name` (containers, env,
// volumes, conditions by `type`) — enough for what controllers send.
import jsonpatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import type { KObject } from '../types/meta.ts';
import { badRequestError, invalidError } from '../types/status-error.ts';
import { parseFieldSelector, parseLabelSelector, matchesRequirements } from '../types/labels.ts';
import type { PatchType } from './types.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386: objects merge, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const mergeKeyOf = (items: unknown[]): string | undefined => {
  if (items.length === 0 || !items.every(isObject)) return undefined;
  for (const k of ['name', 'type', 'containerPort', 'mountPath', 'ip']) if (items.every((i) => (i as Json)[k] !== undefined)) return k;
  return undefined;
};

/** Strategic merge, approximately: like merge patch, but lists of keyed objects merge element-wise. */
export function strategicPatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch) && Array.isArray(target)) {
    const key = mergeKeyOf(patch);
    if (!key || !target.every(isObject)) return structuredClone(patch);
    const out = target.map((t) => structuredClone(t)) as Json[];
    for (const p of patch as Json[]) {
      const i = out.findIndex((t) => t[key] === p[key]);
      if (p.$patch === 'delete') { if (i >= 0) out.splice(i, 1); continue; }
      if (i >= 0) out[i] = strategicPatch(out[i], p) as Json;
      else out.push(structuredClone(p));
    }
    return out;
  }
  if (!isObject(patch)) return structuredClone(patch);
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = strategicPatch(out[k], v);
  }
  return out;
}

export function decodePatchBody(type: PatchType, body: string | object): unknown {
  if (typeof body !== 'string') return body;
  try {
    return type === 'apply' ? parseYaml(body) : JSON.parse(body);
  } catch (err) {
    throw badRequestError(`error decoding patch: ${(err as Error).message}`);
  }
}

/** The patched object (current is not mutated). */
export function applyPatchBody(type: PatchType, current: KObject, body: unknown): KObject {
  switch (type) {
    case 'json': {
      if (!Array.isArray(body)) throw badRequestError('json patch must be an array of operations');
      try {
        return jsonpatch.applyPatch(structuredClone(current), body as jsonpatch.Operation[], true, true).newDocument as KObject;
      } catch (err) {
        throw invalidError({ group: '', kind: current.kind ?? '' }, current.metadata?.name ?? '', [
          { type: 'FieldValueInvalid', field: 'patch', badValue: '', detail: (err as Error).message.split('\n')[0] },
        ]);
      }
    }
    case 'merge':
      return mergePatch(current, body) as KObject;
    case 'strategic':
    case 'apply':
      return strategicPatch(current, body) as KObject;
  }
}

/** Value at a dotted path as a field selector sees it ('' when absent). */
export function fieldValue(obj: unknown, path: string): string {
  let v: unknown = obj;
  for (const part of path.split('.')) v = isObject(v) ? v[part] : undefined;
  return v === undefined || v === null ? '' : String(v);
}

/** A predicate for list/watch options; selectors parsed once. */
export function selectorPredicate(labelSelector?: string, fieldSelector?: string): (obj: KObject) => boolean {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : [];
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  if (labels.length === 0 && fields.length === 0) return () => true;
  return (obj) =>
    matchesRequirements(labels, obj.metadata?.labels) &&
    fields.every((f) => (fieldValue(obj, f.field) === f.value) === (f.op === '='));
}
