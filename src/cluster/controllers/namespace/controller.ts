// The namespace controller (pkg/controller/namespace): a namespace with a deletionTimestamp is marked
// Terminating, everything in it is deleted (deletecollection on every namespaced resource of the registry),
// and once nothing is left the `kubernetes` finalizer is taken off spec.finalizers through the finalize
// subresource; the REST layer deletes the namespace when no finalizer is left.
import type { Namespace as KNamespace, NamespaceCondition } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { GVR, KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { gvrOf, resources } from '../../types/registry.ts';
import { isStatusError } from '../../types/status-error.ts';
import type { ResourceSpec } from '../../types/resource.ts';

type Namespace = KNamespace & KObject;

export const namespaceFinalizer = 'kubernetes';
const workers = 2;
/** re-check a terminating namespace this often while content remains (pods wait for their kubelets) */
const contentRecheckMs = 1000;

export interface NamespaceControllerOptions {
  /**
   * namespaced resources to empty (default: every namespaced resource of the registry that allows
   * deletecollection); a function is asked again for every namespace (the served set changes with CRDs)
   */
  resources?: GVR[] | (() => readonly ResourceSpec[]);
}

/** the stored version of each namespaced kind that allows deletecollection (one is enough: versions share objects) */
const contentOf = (specs: readonly ResourceSpec[]): GVR[] =>
  specs.filter((r) => r.namespaced && !r.conversion && r.verbs.includes('deletecollection')).map(gvrOf);

const resourceName = (r: GVR): string => (r.group ? `${r.resource}.${r.group}` : r.resource);

export function createNamespaceController(ctx: ControllerContext, opts: NamespaceControllerOptions = {}): Controller {
  const name = 'namespace-controller';
  const given = opts.resources;
  const contentsNow = (): GVR[] => (typeof given === 'function' ? contentOf(given()) : given ?? contentOf(resources));
  const namespaces = ctx.informers.informer<Namespace>(R.namespaces);
  const queue = createWorkQueue({ name });
  const recorder = ctx.recorder(name);

  const enqueue = (ns: Namespace): void => {
    if (ns.metadata?.deletionTimestamp && ns.metadata.name) queue.add(ns.metadata.name);
  };
  namespaces.on({ add: enqueue, update: (_o, ns) => enqueue(ns) });

  /** deletes what is in the namespace; returns the resources that still hold objects */
  async function deleteContent(ns: string): Promise<{ remaining: string[]; failures: string[] }> {
    const remaining: string[] = [];
    const failures: string[] = [];
    for (const r of contentsNow()) {
      try {
        const before = await ctx.client.list(r, ns, { limit: 1 });
        if (before.items.length === 0) continue;
        await ctx.client.deleteCollection(r, ns, { propagationPolicy: 'Background' });
        // objects with finalizers or a grace period are still there, marked: wait for them
        const after = await ctx.client.list(r, ns, { limit: 1 });
        if (after.items.length > 0) remaining.push(resourceName(r));
      } catch (err) {
        if (isStatusError(err, 'NotFound') || isStatusError(err, 'MethodNotAllowed')) continue; // not served here
        failures.push(`${resourceName(r)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { remaining, failures };
  }

  async function setStatus(ns: Namespace, conditions: NamespaceCondition[]): Promise<Namespace> {
    const phaseOk = ns.status?.phase === 'Terminating';
    const same = JSON.stringify(ns.status?.conditions ?? []) === JSON.stringify(conditions);
    if (phaseOk && same) return ns;
    const next: Namespace = { ...structuredClone(ns), status: { ...ns.status, phase: 'Terminating', conditions: conditions.length ? conditions : undefined } };
    return ctx.client.update<Namespace>(R.namespaces, undefined, next, { subresource: 'status' });
  }

  const condition = (type: string, ok: boolean, reason: string, message: string, now: string, old?: NamespaceCondition[]): NamespaceCondition => {
    const status = ok ? 'False' : 'True';
    const prev = old?.find((c) => c.type === type);
    return { type, status, reason, message, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now };
  };

  async function syncNamespace(nsName: string): Promise<ReconcileResult> {
    let ns = namespaces.get(nsName);
    if (!ns?.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes(namespaceFinalizer)) return; // already finalized: the REST layer finishes
    ns = await setStatus(ns, ns.status?.conditions ?? []);
    const { remaining, failures } = await deleteContent(nsName);
    const now = ctx.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const old = ns.status?.conditions;
    await setStatus(ns, [
      condition('NamespaceDeletionContentFailure', failures.length === 0, failures.length ? 'ContentDeletionFailed' : 'ContentDeleted',
        failures.length ? `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(', ')}` : 'All content successfully deleted, may be waiting on finalization', now, old),
      condition('NamespaceContentRemaining', remaining.length === 0, remaining.length ? 'SomeResourcesRemain' : 'ContentRemoved',
        remaining.length ? `Some resources are remaining: ${remaining.join(', ')}` : 'All content successfully removed', now, old),
    ]).catch((err: unknown) => { if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err; });
    if (failures.length > 0) throw new Error(`namespace ${nsName}: ${failures.join('; ')}`);
    if (remaining.length > 0) return { requeueAfterMs: contentRecheckMs };

    // empty: let the namespace go (re-read so the finalize write carries the newest resourceVersion)
    let latest: Namespace;
    try {
      latest = await ctx.client.get<Namespace>(R.namespaces, undefined, nsName);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      throw err;
    }
    const finalizers = (latest.spec?.finalizers ?? []).filter((f) => f !== namespaceFinalizer);
    const next: Namespace = { ...structuredClone(latest), spec: { ...latest.spec, finalizers } };
    try {
      await ctx.client.update(R.namespaces, undefined, next, { subresource: 'finalize' });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      throw err;
    }
    recorder.event(latest, 'Normal', 'NamespaceFinalized', `namespace ${nsName} is empty and finalized`);
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, syncNamespace, signal, name);
    },
  };
}
