// pods/eviction (kube's pkg/registry/core/pod/storage/eviction.go): a delete that honours the pod's
// PodDisruptionBudget. A pod that is finished, Pending or already deleting goes at once; a pod under a budget
// goes only when the budget's status allows a disruption, which the eviction takes (disruptionsAllowed - 1 and
// the pod in status.disruptedPods, written under the budget's resourceVersion, so two evictions cannot spend
// the same one) — else 429 `Cannot evict pod as it would violate the pod's disruption budget.`, which
// `kubectl drain` retries every 5 s. The pod is marked with the DisruptionTarget condition before its delete.
import type { DeleteOptions } from '../../client/types.ts';
import type { KObject, Status } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { matchesLabelSelector } from '../../types/labels.ts';
import { isPodReady } from '../../types/pod.ts';
import { badRequestError, forbiddenError, isStatusError, StatusError, timeoutError } from '../../types/status-error.ts';
import { cloneJson } from '../../types/clone.ts';
import type { RestContext } from './context.ts';
import type { RestWriteOptions } from './admission.ts';
import { deleteObject } from './delete.ts';
import { timestamp } from './keys.ts';
import { listObjects, readObject } from './list.ts';
import { retryOnConflict, writeUpdate } from './update.ts';

interface Condition { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; observedGeneration?: number; lastProbeTime?: string | null }
interface Pdb extends KObject {
  spec?: { selector?: { matchLabels?: Record<string, string> }; unhealthyPodEvictionPolicy?: string };
  status?: { observedGeneration?: number; disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number; disruptedPods?: Record<string, string>; conditions?: Condition[] };
}
type Pod = KObject & { status?: { phase?: string; conditions?: Condition[] } };

/** kube's MaxDisruptedPodSize: evictions the disruption controller has not yet seen through */
const MAX_DISRUPTED_PODS = 2000;
const ATTEMPTS = 20;
const violation = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(cause: string, retryAfterSeconds: number): StatusError {
  return new StatusError({ code: 429, reason: 'TooManyRequests', message: violation, details: { retryAfterSeconds, causes: [{ reason: 'DisruptionBudget', message: cause }] } });
}

const stillProcessing = (pdb: string) => tooManyRequests(`The disruption budget ${pdb} is still being processed by the server.`, 10);

/** pdbhelper.UpdateDisruptionAllowedCondition: DisruptionAllowed True/SufficientPods or False/InsufficientPods */
export function setDisruptionAllowed(status: NonNullable<Pdb['status']>, now: Date): void {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  const want = { type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: status.observedGeneration };
  const conditions = (status.conditions ??= []);
  const cur = conditions.find((c) => c.type === want.type);
  if (!cur) conditions.push({ ...want, lastTransitionTime: timestamp(now) });
  else {
    if (cur.status !== want.status) cur.lastTransitionTime = timestamp(now);
    Object.assign(cur, want);
  }
}

const isDryRun = (v: unknown): boolean => v === true || (Array.isArray(v) && v.length > 0);

/** The pod's budgets: those of its namespace whose selector matches its labels */
async function budgetsOf(ctx: RestContext, pod: Pod): Promise<{ spec: ResourceSpec; items: Pdb[] } | undefined> {
  const spec = ctx.specByKind('policy', 'PodDisruptionBudget');
  if (!spec) return undefined;
  const list = await listObjects(ctx, spec, pod.metadata?.namespace, {});
  return { spec, items: (list.items as Pdb[]).filter((b) => matchesLabelSelector(b.spec?.selector, pod.metadata?.labels ?? {})) };
}

/** checkAndDecrement: spends one of the budget's allowed disruptions on this pod, or says why not */
async function takeDisruption(ctx: RestContext, spec: ResourceSpec, first: Pdb, podName: string, dryRun: boolean): Promise<void> {
  let pdb = first;
  for (let i = 1; ; i++) {
    const name = pdb.metadata?.name ?? '';
    const st = pdb.status ?? {};
    if ((st.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) throw stillProcessing(name);
    const allowed = st.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbiddenError(`poddisruptionbudget.policy "${name}" is forbidden: pdb disruptions allowed is negative`);
    if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
      throw forbiddenError(`poddisruptionbudget.policy "${name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`);
    }
    if (allowed === 0) throw tooManyRequests(`The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`, 0);
    const next = cloneJson(pdb);
    const nst = (next.status ??= {});
    nst.disruptionsAllowed = allowed - 1;
    if (nst.disruptionsAllowed === 0) setDisruptionAllowed(nst, ctx.now());
    if (dryRun) return;
    nst.disruptedPods = { ...(nst.disruptedPods ?? {}), [podName]: timestamp(ctx.now()) };
    try {
      const { obj: cur, rev } = await readObject(ctx, spec, pdb.metadata?.namespace, name);
      if (cur.metadata?.resourceVersion !== pdb.metadata?.resourceVersion) throw new StatusError({ code: 409, reason: 'Conflict', message: 'stale budget' });
      await writeUpdate(ctx, spec, cur, rev, next, { subresource: 'status', fieldManager: 'eviction' });
      return;
    } catch (err) {
      const conflict = isStatusError(err, 'Conflict') || (err as { code?: string }).code === 'conflict';
      if (!conflict) throw err;
      if (i >= ATTEMPTS) throw timeoutError(`couldn't update PodDisruptionBudget "${name}" due to conflicts`);
      pdb = (await readObject(ctx, spec, pdb.metadata?.namespace, name)).obj as Pdb;
    }
  }
}

/** addConditionAndDeletePod: DisruptionTarget=True (EvictionByEvictionAPI) on the pod, then its delete */
async function markAndDelete(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, name: string, del: DeleteOptions): Promise<void> {
  if (!del.dryRun) {
    const pre = del.preconditions;
    const rv = await retryOnConflict(spec, name, () => false, async () => {
      const { obj: cur, rev } = await readObject(ctx, spec, namespace, name);
      if (pre?.uid && pre.uid !== cur.metadata?.uid) throw new StatusError({ code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on Pod "${name}": the UID in the precondition (${pre.uid}) does not match the UID in record (${cur.metadata?.uid}). The object might have been deleted and then recreated` });
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata?.resourceVersion) throw new StatusError({ code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on Pod "${name}": the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${cur.metadata?.resourceVersion}). The object might have been modified` });
      const next = cloneJson(cur) as Pod;
      const conditions = ((next.status ??= {}).conditions ??= []);
      const want = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
      const c = conditions.find((x) => x.type === want.type);
      if (c && c.status === want.status && c.reason === want.reason && c.message === want.message) return cur.metadata?.resourceVersion;
      if (c) Object.assign(c, want, c.status !== want.status ? { lastTransitionTime: timestamp(ctx.now()) } : {});
      else conditions.push({ ...want, lastProbeTime: null, lastTransitionTime: timestamp(ctx.now()) });
      return (await writeUpdate(ctx, spec, cur, rev, next, { subresource: 'status', fieldManager: 'eviction' })).metadata?.resourceVersion;
    });
    // we changed the pod: a resourceVersion precondition now names our write
    if (pre?.resourceVersion && rv) del = { ...del, preconditions: { ...pre, resourceVersion: rv } };
  }
  await deleteObject(ctx, spec, namespace, name, del);
}

/** pods/eviction: the eviction's delete, when the pod's disruption budget (if any) allows it */
export async function evictPod(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, name: string, eviction: KObject, opts: RestWriteOptions): Promise<Status & KObject> {
  if (eviction.metadata?.name && eviction.metadata.name !== name) throw badRequestError('name in URL does not match name in Eviction object');
  const given = ((eviction as { deleteOptions?: DeleteOptions }).deleteOptions ?? {}) as DeleteOptions;
  const base: DeleteOptions = { ...given, dryRun: opts.dryRun || isDryRun(given.dryRun) };
  const success: Status & KObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

  const { obj } = await readObject(ctx, spec, namespace, name);
  const pod = obj as Pod;
  const phase = pod.status?.phase;
  const deleting = !!pod.metadata?.deletionTimestamp;
  const withRv = (): DeleteOptions => (base.preconditions?.resourceVersion ? base : { ...base, preconditions: { ...base.preconditions, resourceVersion: pod.metadata?.resourceVersion } });
  // canIgnorePDB: it disrupts nothing (finished, not started, or already going)
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || deleting) {
    const enforce = !(phase === 'Succeeded' || phase === 'Failed' || deleting);
    await markAndDelete(ctx, spec, namespace, name, enforce ? withRv() : base);
    return success;
  }

  const budgets = await budgetsOf(ctx, pod);
  if (budgets && budgets.items.length > 1) {
    throw new StatusError({ code: 500, reason: 'InternalError', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' });
  }
  const pdb = budgets?.items[0];
  let pinned = false;
  if (pdb) {
    const st = pdb.status ?? {};
    // an unready pod is not counted healthy: deleting it spends nothing when the budget is met (or always, with AlwaysAllow)
    const unhealthyGoes = !isPodReady(pod as never) && (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' || ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0));
    if (unhealthyGoes) pinned = true;
    else await takeDisruption(ctx, budgets!.spec, pdb, name, base.dryRun === true);
  }
  try {
    await markAndDelete(ctx, spec, namespace, name, pinned ? withRv() : base);
  } catch (err) {
    // it became ready since we looked: let the client try again
    if (pinned && isStatusError(err, 'Conflict') && !given.preconditions?.resourceVersion) throw stillProcessing(pdb?.metadata?.name ?? '');
    throw err;
  }
  return success;
}
