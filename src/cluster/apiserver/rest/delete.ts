// delete, as the generic registry's Delete: preconditions, graceful deletion (pods bound to a node), the
// propagation finalizers (orphan, foregroundDeletion), finalizers holding an object with a deletionTimestamp,
// and namespaces (Terminating until the namespace controller has finalized them).
import type { DeleteOptions, ListOptions } from '../../client/types.ts';
import { StoreError } from '../../store/types.ts';
import type { KList, KObject, Status } from '../../types/meta.ts';
import { apiVersionOf } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { conflictError, forbiddenError, isStatusError } from '../../types/status-error.ts';
import type { RestContext } from './context.ts';
import { isService } from './create.ts';
import { encodeAs, keyOf, metaOf, storeFailure, timestamp, type Meta } from './keys.ts';
import { listObjects, readObject } from './list.ts';
import { retryOnConflict } from './update.ts';
import { cloneJson } from '../../types/clone.ts';
import { markCrdDeleting } from '../crd/lifecycle.ts';

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

export const successStatus = (spec: ResourceSpec, name: string, uid?: string): Status & KObject =>
  ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: spec.group, kind: spec.resource, ...(uid ? { uid } : {}) } });

const isNamespace = (spec: ResourceSpec) => spec.group === '' && spec.kind === 'Namespace';
const isPod = (spec: ResourceSpec) => spec.group === '' && spec.kind === 'Pod';
const isCrd = (spec: ResourceSpec) => spec.group === 'apiextensions.k8s.io' && spec.kind === 'CustomResourceDefinition';

/** Pods' CheckGracefulDelete: the grace period a delete gets (0 = at once). */
function podGracePeriod(pod: KObject, opts: DeleteOptions): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  return opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
}

// NamespaceLifecycle admission: these namespaces are immortal
const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

export async function deleteObject(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KObject | Status> {
  if (isNamespace(spec) && IMMORTAL_NAMESPACES.includes(name)) throw forbiddenError(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
  return retryOnConflict(spec, name, () => false, async () => {
    const { obj: cur, rev } = await readObject(ctx, spec, namespace, name);
    const meta = cur.metadata as Meta;
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== meta.uid) throw conflictError(spec, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflictError(spec, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    const key = keyOf(spec, meta.namespace, name);
    const next = cloneJson(cur);
    const nmeta = metaOf(next);
    const now = ctx.now();

    if (isNamespace(spec)) {
      if (!meta.deletionTimestamp) {
        nmeta.deletionTimestamp = timestamp(now);
        next.status = { ...(next.status as object), phase: 'Terminating' };
        applyPropagation(nmeta, opts);
        return write(ctx, spec, key, next, rev, opts);
      }
      if (((cur.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0) {
        throw conflictError(spec, name, 'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.');
      }
    }

    // a CRD's first delete holds it (finalizer) until its custom objects are gone (crd/lifecycle.ts)
    if (isCrd(spec) && !meta.deletionTimestamp) {
      markCrdDeleting(next, timestamp(now));
      return write(ctx, spec, key, next, rev, opts);
    }

    // graceful deletion (pods): a first delete sets deletionTimestamp = now + grace; later ones may only shorten it
    let graceful = false;
    if (meta.deletionTimestamp) {
      const had = meta.deletionGracePeriodSeconds;
      if (had !== undefined && had > 0) {
        const wanted = opts.gracePeriodSeconds;
        if (wanted === undefined || wanted >= had) return cloneJson(cur); // deletion already pending
        const start = Date.parse(meta.deletionTimestamp) - had * 1000;
        nmeta.deletionTimestamp = timestamp(new Date(start + wanted * 1000));
        nmeta.deletionGracePeriodSeconds = wanted;
        graceful = wanted > 0;
        if (graceful) return write(ctx, spec, key, next, rev, opts);
      }
    } else if (isPod(spec)) {
      const grace = podGracePeriod(cur, opts);
      if (grace > 0) {
        nmeta.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000));
        nmeta.deletionGracePeriodSeconds = grace;
        if (nmeta.generation !== undefined) nmeta.generation++;
        graceful = true;
      }
    }
    const changedFinalizers = applyPropagation(nmeta, opts, !!meta.deletionTimestamp);
    if ((nmeta.finalizers?.length ?? 0) > 0) {
      if (!graceful && !meta.deletionTimestamp) {
        nmeta.deletionTimestamp = timestamp(now);
        nmeta.deletionGracePeriodSeconds = 0;
        if (nmeta.generation !== undefined) nmeta.generation++;
      }
      if (!graceful && !changedFinalizers && meta.deletionTimestamp && (meta.deletionGracePeriodSeconds ?? 0) === 0) return cloneJson(cur);
      return write(ctx, spec, key, next, rev, opts);
    }
    if (graceful) return write(ctx, spec, key, next, rev, opts);
    if (opts.dryRun) return successStatus(spec, name, meta.uid);
    await ctx.store.delete(key, rev);
    if (isService(spec)) ctx.allocators.release(cur);
    return successStatus(spec, name, meta.uid);
  });
}

/**
 * The propagation policy as finalizers (the garbage collector acts on them): Orphan adds `orphan`, Foreground
 * `foregroundDeletion`, Background removes both. Absent: unchanged. True when the finalizers changed.
 */
function applyPropagation(meta: Meta, opts: DeleteOptions, deleting = false): boolean {
  const policy = opts.propagationPolicy;
  if (!policy) return false;
  const before = meta.finalizers ?? [];
  let after = before.filter((f) => f !== ORPHAN && f !== FOREGROUND);
  if (policy === 'Orphan') after = [...after, ORPHAN];
  // an object already being deleted gets no foregroundDeletion added later (as Kubernetes)
  if (policy === 'Foreground' && !(deleting && !before.includes(FOREGROUND))) after = [...after, FOREGROUND];
  if (after.length === before.length && after.every((f, i) => f === before[i])) return false;
  if (after.length > 0) meta.finalizers = after;
  else delete meta.finalizers;
  return true;
}

async function write(ctx: RestContext, spec: ResourceSpec, key: string, next: KObject, rev: number, opts: DeleteOptions): Promise<KObject> {
  if (opts.dryRun) return next;
  const kv = await ctx.store.update(key, encodeAs(spec, next), rev);
  metaOf(next).resourceVersion = String(kv.modRevision);
  return next;
}

/** deletecollection: every matching object deleted as by delete; the list of what was deleted (or marked). */
export async function deleteCollection(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, opts: ListOptions & DeleteOptions = {}): Promise<KList> {
  const listed = await listObjects(ctx, spec, namespace, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, resourceVersion: opts.resourceVersion });
  const items: KObject[] = [];
  for (const obj of listed.items) {
    const m = obj.metadata ?? {};
    try {
      const out = await deleteObject(ctx, spec, m.namespace, m.name ?? '', { dryRun: opts.dryRun, gracePeriodSeconds: opts.gracePeriodSeconds, propagationPolicy: opts.propagationPolicy });
      items.push(out.kind === 'Status' ? obj : (out as KObject));
    } catch (err) {
      if (isStatusError(err, 'NotFound')) continue; // gone meanwhile
      if (err instanceof StoreError) throw storeFailure(err, spec, m.name ?? '');
      throw err;
    }
  }
  return { apiVersion: apiVersionOf(spec), kind: spec.listKind, metadata: { resourceVersion: listed.metadata.resourceVersion }, items };
}
