// Server-side apply and managedFields, after structured-merge-diff (approximate but consistent):
// - apply: the applied configuration is merged into the live object (structs and granular maps field by
//   field, list-type=map lists item by key, sets as unions, everything else replaced); fields that another
//   manager owns with a different value are conflicts (409 unless force, which takes them over); fields the
//   manager applied last time but no longer applies, and that nobody else owns, are removed.
// - trackUpdate: an Update (create/update/patch/edit/scale/controllers) moves the fields it changed to the
//   updating manager; fields that disappeared leave every manager.
import type { KObject, ManagedFieldsEntry } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import type { SchemaNode } from '../openapi/index.ts';
import { StatusError } from '../../types/status-error.ts';
import { isPlainObject } from './json.ts';
import {
  difference, fieldNode, fieldsOf, formatPath, fromFieldsV1, intersection, itemKey, pathKey, pathSet, removeAt, toFieldsV1, union, valueAt,
  type FieldPath, type PathSet,
} from './fieldset.ts';
import { cloneJson } from '../../types/clone.ts';
import { allowedFromLastApplied, buildLastApplied, KUBECTL_APPLY_MANAGER, LAST_APPLIED } from './lastapplied.ts';

type Obj = Record<string, unknown>;
interface Owner { entry: ManagedFieldsEntry; set: PathSet }

/** JSON with sorted keys, so equal values compare equal. */
export const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (isPlainObject(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));

export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const sameOwner = (e: ManagedFieldsEntry, manager: string, operation: string, subresource?: string) =>
  e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');

function ownersOf(obj: KObject | undefined): Owner[] {
  return (obj?.metadata?.managedFields ?? []).map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
}

function entryOf(owner: Owner): ManagedFieldsEntry | undefined {
  if (owner.set.size === 0) return undefined;
  return { ...owner.entry, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(owner.set) };
}

/** Applied-configuration merge: what the applier set wins, the rest of the live object stays. */
export function mergeApplied(live: unknown, applied: unknown, node: SchemaNode | undefined): unknown {
  if (isPlainObject(applied) && isPlainObject(live) && !((node?.kind === 'struct' || node?.kind === 'map') && node.atomic) && node?.kind !== 'any' && node?.kind !== 'scalar') {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(out[k], v, fieldNode(node, k));
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live) && node?.kind === 'list') {
    if (node.listType === 'set') return [...live, ...applied.filter((a) => !live.some((l) => canonical(l) === canonical(a)))];
    if (node.listType === 'map') {
      const out = [...live];
      for (const item of applied) {
        const key = isPlainObject(item) ? canonical(itemKey(item, node)) : undefined;
        const at = key === undefined ? -1 : out.findIndex((l) => isPlainObject(l) && canonical(itemKey(l, node)) === key);
        if (at < 0) out.push(item);
        else out[at] = mergeApplied(out[at], item, node.items);
      }
      return out;
    }
  }
  return applied;
}

function printManager(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`;
  return s;
}

interface Conflict { owner: Owner; path: FieldPath }

/** kube's NewConflictError: one line for one conflict, a list per manager (sorted) for several. */
function conflictError(conflicts: Conflict[]): StatusError {
  let message: string;
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].owner.entry)}: ${formatPath(conflicts[0].path)}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = printManager(c.owner.entry);
      byManager.set(m, [...(byManager.get(m) ?? []), formatPath(c.path)]);
    }
    const lines = [...byManager.keys()].sort().flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError({
    code: 409, reason: 'Conflict', message,
    details: { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.owner.entry)}`, field: formatPath(c.path) })) },
  });
}

/** The part of an object a write through `subresource` may touch (status only via /status, for such kinds). */
function scopeTo(spec: ResourceSpec, obj: KObject, subresource: string | undefined): KObject {
  if (!spec.statusSubresource) return obj;
  if (subresource === 'status') return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, ...(obj.status === undefined ? {} : { status: obj.status }) };
  const { status: _ignored, ...rest } = obj;
  return rest;
}

export function serverSideApply(
  spec: ResourceSpec, node: SchemaNode | undefined, current: KObject | undefined, appliedIn: KObject,
  manager: string, force: boolean, now: Date, subresource?: string,
): KObject {
  const applied = scopeTo(spec, appliedIn, subresource);
  const live: KObject = current ? cloneJson(current) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: {} };
  const appliedSet = fieldsOf(applied, node);
  const owners = ownersOf(current);
  const mine = owners.find((o) => sameOwner(o.entry, manager, 'Apply', subresource));
  const conflicts: Conflict[] = [];
  for (const owner of owners) {
    if (owner === mine) continue;
    for (const path of intersection(appliedSet, owner.set).values()) {
      if (path[path.length - 1] === '.') continue;
      const was = valueAt(live, path, node);
      const will = valueAt(applied, path, node);
      if (was.found && will.found && canonical(was.value) !== canonical(will.value)) conflicts.push({ owner, path });
    }
  }
  if (conflicts.length && !force) {
    // kubectl's server-side apply over a client-side-applied object takes over what the annotation describes
    const allowed = manager === KUBECTL_APPLY_MANAGER ? allowedFromLastApplied(current, node) : undefined;
    const left = allowed ? conflicts.filter((c) => !allowed.has(pathKey(c.path))) : conflicts;
    if (left.length) throw conflictError(left);
  }
  for (const c of conflicts) c.owner.set = difference(c.owner.set, pathSet([c.path]));

  const { managedFields: _drop, ...appliedMeta } = applied.metadata ?? {};
  const merged = mergeApplied(live, { ...applied, metadata: appliedMeta }, node) as KObject;
  const others = owners.filter((o) => o !== mine).reduce((acc, o) => union(acc, o.set), pathSet());
  const stale = difference(difference(mine?.set ?? pathSet(), appliedSet), others);
  // deepest paths first, so an item's fields go before the item itself
  for (const path of [...stale.values()].sort((a, b) => b.length - a.length)) removeAt(merged, path, node);

  const entry: ManagedFieldsEntry = {
    manager, operation: 'Apply', apiVersion: applied.apiVersion, time: rfc3339(now), fieldsType: 'FieldsV1',
    ...(subresource ? { subresource } : {}),
  };
  const next = owners.map((o) => (o === mine ? { entry, set: appliedSet } : o));
  if (!mine) next.push({ entry, set: appliedSet });
  const managedFields = next.map(entryOf).filter((e): e is ManagedFieldsEntry => e !== undefined);
  merged.metadata = { ...merged.metadata, managedFields };
  // the annotation, while there is one, follows what kubectl applied (kube's lastAppliedUpdater)
  const annotations = merged.metadata.annotations;
  if (manager === KUBECTL_APPLY_MANAGER && annotations?.[LAST_APPLIED] !== undefined) {
    merged.metadata.annotations = { ...annotations, [LAST_APPLIED]: buildLastApplied(appliedIn) };
  }
  return merged;
}

/** Fields of `updated` whose value `old` did not have. */
function changedFields(old: KObject | undefined, updated: KObject, node: SchemaNode | undefined, updatedSet: PathSet): PathSet {
  if (!old) return updatedSet;
  const changed: FieldPath[] = [];
  for (const path of updatedSet.values()) {
    const was = valueAt(old, path, node);
    if (!was.found) changed.push(path);
    else if (path[path.length - 1] !== '.') {
      const now = valueAt(updated, path, node);
      if (!now.found || canonical(now.value) !== canonical(was.value)) changed.push(path);
    }
  }
  return pathSet(changed);
}

export function trackUpdate(
  spec: ResourceSpec, node: SchemaNode | undefined, old: KObject | undefined, updated: KObject, manager: string, now: Date, subresource?: string,
): void {
  const base = updated.metadata?.managedFields !== undefined ? updated : old;
  const owners = ownersOf(base);
  const scopedNew = scopeTo(spec, updated, subresource);
  const newSet = fieldsOf(scopedNew, node);
  const changed = changedFields(old ? scopeTo(spec, old, subresource) : undefined, scopedNew, node, newSet);
  const allNew = scopedNew === updated ? newSet : fieldsOf(updated, node);
  const mine = owners.find((o) => sameOwner(o.entry, manager, 'Update', subresource));
  // an owner that keeps every field it had keeps its entry as it was (no re-encoding of its FieldsV1)
  const kept = new Set<Owner>();
  for (const o of owners) {
    const next = o === mine ? union(intersection(o.set, allNew), changed) : difference(intersection(o.set, allNew), changed);
    if (o !== mine && next.size === o.set.size) kept.add(o);
    o.set = next;
  }
  const entry: ManagedFieldsEntry = {
    manager, operation: 'Update', apiVersion: updated.apiVersion, time: rfc3339(now), fieldsType: 'FieldsV1',
    ...(subresource ? { subresource } : {}),
  };
  if (mine) mine.entry = changed.size ? entry : mine.entry;
  else if (changed.size) owners.push({ entry, set: changed });
  const managedFields = owners.map((o) => (kept.has(o) ? o.entry : entryOf(o))).filter((e): e is ManagedFieldsEntry => e !== undefined);
  updated.metadata = { ...updated.metadata, managedFields };
}
