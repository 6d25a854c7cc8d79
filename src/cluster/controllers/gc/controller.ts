// The garbage collector (pkg/controller/garbagecollector), level-triggered over one queue of objects:
// - an object whose owners are all gone is deleted (background cascading: its own dependents follow in turn);
//   references to owners that are gone or waiting are dropped while one owner is still solid;
// - an owner deleted in the foreground (deletionTimestamp + `foregroundDeletion`) has its dependents deleted,
//   and loses the finalizer once no dependent with blockOwnerDeletion remains (the REST layer then removes it);
// - an owner deleted with `orphan` has its reference removed from every dependent, then loses the finalizer.
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { GVR, KObject, OwnerReference } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { isStatusError } from '../../types/status-error.ts';
import { releaseObject } from '../util.ts';
import { createGraph, foregroundFinalizer, gvrKey, isWaitingForDependents, itemKey, orphanFinalizer, parseItemKey, type OwnerState } from './graph.ts';

const workers = 4;
/** how often a foreground owner re-checks its blocking dependents when no event arrives */
const foregroundRecheckMs = 2000;

export interface GarbageCollectorOptions {
  /** kinds to watch (default: every kind that owns or is owned here) */
  resources?: GVR[];
  /** the served kind of an owner reference, custom kinds included (default: the built-in table) */
  findKind?: (group: string, kind: string) => ResourceSpec | undefined;
}

const ignoreNotFound = (err: unknown): void => {
  if (!isStatusError(err, 'NotFound')) throw err;
};

export function createGarbageCollector(ctx: ControllerContext, opts: GarbageCollectorOptions = {}): Controller {
  const name = 'garbage-collector';
  // a custom kind named as an owner is watched once seen, with the same handlers as the built-in kinds
  const graph = createGraph(ctx.client, ctx.informers, opts.resources, { findKind: opts.findKind, onWatch: (w) => attach(w) });
  const queue = createWorkQueue({ name });
  const recorder = ctx.recorder('garbage-collector-controller');

  const enqueue = (r: GVR, obj: KObject): void => queue.add(itemKey(r, obj));
  /** owners of obj that are waiting for their dependents: a change to obj may unblock them */
  const enqueueWaitingOwners = (obj: KObject): void => {
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      const loc = graph.ownerLocation(obj, ref);
      const owner = loc && graph.byResource(loc.resource)?.informer.get(loc.key);
      if (loc && owner && owner.metadata?.uid === ref.uid && owner.metadata.deletionTimestamp) queue.add(`${gvrKey(loc.resource)}|${loc.key}`);
    }
  };
  const interesting = (obj: KObject): boolean =>
    (obj.metadata?.ownerReferences?.length ?? 0) > 0 || (!!obj.metadata?.deletionTimestamp && hasGcFinalizer(obj));

  function attach(w: (typeof graph.watched)[number]): void {
    w.informer.on({
      add: (obj) => { if (interesting(obj)) enqueue(w.resource, obj); },
      update: (old, obj) => {
        if (interesting(obj)) enqueue(w.resource, obj);
        enqueueWaitingOwners(obj);
        if (!sameRefs(old, obj)) enqueueWaitingOwners(old);
      },
      delete: (obj) => {
        // its dependents may now be dangling; its owners may be waiting for it
        const uid = obj.metadata?.uid;
        if (uid) for (const d of graph.dependentsOf(uid)) enqueue(d.resource, d.obj);
        enqueueWaitingOwners(obj);
      },
    });
  }
  for (const w of graph.watched) attach(w);

  /** an object none of whose owners is solid any more is deleted; stale references are dropped otherwise */
  async function attemptToDelete(r: GVR, obj: KObject): Promise<ReconcileResult> {
    const refs = obj.metadata?.ownerReferences ?? [];
    const states = new Map<OwnerReference, OwnerState>();
    for (const ref of refs) states.set(ref, await graph.ownerState(obj, ref));
    const all = [...states.values()];
    if (all.includes('solid') || all.includes('unknown')) {
      const stale = refs.filter((ref) => states.get(ref) === 'dangling' || states.get(ref) === 'waiting');
      if (all.includes('solid') && stale.length > 0) {
        // one owner still holds it: forget the others (one patch per reference, each guarded by resourceVersion)
        let cur = obj;
        for (const ref of stale) cur = await releaseObject(ctx.client, r, cur, ref.uid);
      }
      return;
    }
    // no solid owner: dangling and/or waiting (foreground) owners only
    const waiting = all.includes('waiting');
    const uid = obj.metadata?.uid ?? '';
    const hasDependents = graph.dependentsOf(uid).length > 0;
    const policy = (obj.metadata?.finalizers ?? []).includes(orphanFinalizer)
      ? 'Orphan'
      : waiting && hasDependents ? 'Foreground' : 'Background';
    try {
      await ctx.client.delete(r, obj.metadata?.namespace, obj.metadata?.name ?? '', { propagationPolicy: policy, preconditions: { uid } });
    } catch (err) {
      if (isStatusError(err, 'Conflict')) return; // another object of that name now: not ours to delete
      ignoreNotFound(err);
    }
  }

  /** foreground: delete the dependents; the finalizer goes once no blocking dependent is left */
  async function deleteDependentsFirst(r: GVR, owner: KObject): Promise<ReconcileResult> {
    const uid = owner.metadata?.uid ?? '';
    const deps = graph.dependentsOf(uid);
    let blocking = 0;
    for (const d of deps) {
      if (!d.obj.metadata?.deletionTimestamp) queue.add(itemKey(d.resource, d.obj));
      const ref = d.obj.metadata?.ownerReferences?.find((x) => x.uid === uid);
      if (ref?.blockOwnerDeletion) blocking++;
    }
    if (blocking > 0) return { requeueAfterMs: foregroundRecheckMs };
    await removeFinalizer(r, owner, foregroundFinalizer);
  }

  /** orphan: take this owner's reference off every dependent, then let the owner go */
  async function orphanDependents(r: GVR, owner: KObject): Promise<ReconcileResult> {
    const uid = owner.metadata?.uid ?? '';
    let firstError: unknown;
    for (const d of graph.dependentsOf(uid)) {
      try {
        await releaseObject(ctx.client, d.resource, d.obj, uid);
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) firstError ??= err;
      }
    }
    if (firstError) throw firstError; // a Conflict: the cache will bring the new version; retry
    await removeFinalizer(r, owner, orphanFinalizer);
    recorder.event(owner, 'Normal', 'OrphanedDependents', `orphaned the dependents of ${owner.kind ?? 'object'} ${owner.metadata?.name}`);
  }

  async function removeFinalizer(r: GVR, obj: KObject, finalizer: string): Promise<void> {
    const rest = (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
    const patch = { metadata: { finalizers: rest.length ? rest : null, resourceVersion: obj.metadata?.resourceVersion } };
    try {
      await ctx.client.patch(r, obj.metadata?.namespace, obj.metadata?.name ?? '', 'merge', patch);
    } catch (err) {
      ignoreNotFound(err);
    }
  }

  async function reconcile(key: string): Promise<ReconcileResult> {
    const { gvr, objKey } = parseItemKey(key);
    const w = graph.watched.find((x) => gvrKey(x.resource) === gvr);
    const obj = w?.informer.get(objKey);
    if (!w || !obj) return;
    if (obj.metadata?.deletionTimestamp) {
      const finalizers = obj.metadata.finalizers ?? [];
      if (finalizers.includes(orphanFinalizer)) return orphanDependents(w.resource, obj);
      if (isWaitingForDependents(obj)) return deleteDependentsFirst(w.resource, obj);
      return; // being deleted already
    }
    if (obj.metadata?.ownerReferences?.length) return attemptToDelete(w.resource, obj);
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, reconcile, signal, name);
    },
  };
}

function hasGcFinalizer(obj: KObject): boolean {
  const f = obj.metadata?.finalizers ?? [];
  return f.includes(foregroundFinalizer) || f.includes(orphanFinalizer);
}

const sameRefs = (a: KObject, b: KObject): boolean =>
  JSON.stringify(a.metadata?.ownerReferences ?? []) === JSON.stringify(b.metadata?.ownerReferences ?? []);
