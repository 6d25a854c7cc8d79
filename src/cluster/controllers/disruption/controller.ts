// The disruption controller (pkg/controller/disruption): keeps every PodDisruptionBudget's status — expectedPods,
// desiredHealthy, currentHealthy (ready, not deleting, not just evicted), disruptionsAllowed and the
// DisruptionAllowed condition — so the eviction subresource can decide. Pods the eviction API took stay in
// status.disruptedPods (not counted healthy) until they are seen deleting, or for 2 minutes.
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { objectKey, splitKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { matchesLabelSelector } from '../../types/labels.ts';
import { isPodReady } from '../../types/pod.ts';
import { isStatusError } from '../../types/status-error.ts';
import { canonicalJson } from '../util.ts';
import { expectedPods, type Scales } from './expected.ts';

interface Condition { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime?: string }
interface PdbStatus {
  observedGeneration?: number; disruptedPods?: Record<string, string>; disruptionsAllowed?: number;
  currentHealthy?: number; desiredHealthy?: number; expectedPods?: number; conditions?: Condition[];
}
interface Pdb extends KObject {
  spec?: { minAvailable?: number | string; maxUnavailable?: number | string; selector?: { matchLabels?: Record<string, string> } };
  status?: PdbStatus;
}

export const disruptionControllerName = 'disruption-controller';
/** kube's DeletionTimeout: an evicted pod not seen deleting by then counts again */
export const deletionTimeoutMs = 2 * 60 * 1000;

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** the DisruptionAllowed condition for a status (apimeta.SetStatusCondition: the time moves only with the status) */
function withCondition(status: PdbStatus, type: { status: string; reason: string; message: string }, now: Date): Condition[] {
  const conditions = (status.conditions ?? []).map((c) => ({ ...c }));
  const want: Condition = { type: 'DisruptionAllowed', ...type, observedGeneration: status.observedGeneration };
  const cur = conditions.find((c) => c.type === want.type);
  if (!cur) return [...conditions, { ...want, lastTransitionTime: rfc3339(now) }];
  if (cur.status !== want.status) cur.lastTransitionTime = rfc3339(now);
  Object.assign(cur, want);
  return conditions;
}

const allowedCondition = (allowed: number) => (allowed > 0 ? { status: 'True', reason: 'SufficientPods', message: '' } : { status: 'False', reason: 'InsufficientPods', message: '' });

export function createDisruptionController(ctx: ControllerContext): Controller {
  const name = disruptionControllerName;
  const recorder = ctx.recorder('controllermanager');
  const pdbs = ctx.informers.informer<Pdb>(R.poddisruptionbudgets);
  const pods = ctx.informers.informer(R.pods);
  const byKind = {
    ReplicaSet: ctx.informers.informer(R.replicasets),
    Deployment: ctx.informers.informer(R.deployments),
    ReplicationController: ctx.informers.informer(R.replicationcontrollers),
    StatefulSet: ctx.informers.informer(R.statefulsets),
  };
  const scales: Scales = { get: (kind, key) => byKind[kind].get(key) };
  const queue = createWorkQueue({ name });

  const budgetsOf = (pod: KObject) => pdbs.list(pod.metadata?.namespace).filter((b) => matchesLabelSelector(b.spec?.selector, pod.metadata?.labels ?? {}));
  const enqueuePod = (pod: KObject) => { for (const b of budgetsOf(pod)) queue.add(objectKey(b)); };
  pdbs.on({ add: (b) => queue.add(objectKey(b)), update: (_o, b) => queue.add(objectKey(b)) });
  pods.on({ add: enqueuePod, update: (old, cur) => { enqueuePod(old); enqueuePod(cur); }, delete: enqueuePod });
  // a controller's scale moves what a percentage budget expects
  const enqueueNamespace = (o: KObject) => { for (const b of pdbs.list(o.metadata?.namespace)) queue.add(objectKey(b)); };
  for (const inf of Object.values(byKind)) inf.on({ update: (old, cur) => { if ((old.spec as { replicas?: number })?.replicas !== (cur.spec as { replicas?: number })?.replicas) enqueueNamespace(cur); } });

  async function write(pdb: Pdb, status: PdbStatus): Promise<ReconcileResult> {
    try {
      await ctx.client.update(R.poddisruptionbudgets, pdb.metadata?.namespace, { ...pdb, status }, { subresource: 'status', fieldManager: 'kube-controller-manager' });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      if (isStatusError(err, 'Conflict')) return { requeueAfterMs: 50 }; // an eviction took one meanwhile: look again
      throw err;
    }
  }

  async function sync(key: string): Promise<ReconcileResult> {
    const pdb = pdbs.get(key);
    if (!pdb) return;
    const { namespace } = splitKey(key);
    const now = ctx.now();
    const selected = pods.list(namespace).filter((p) => matchesLabelSelector(pdb.spec?.selector, p.metadata?.labels ?? {}));
    if (selected.length === 0) recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const generation = pdb.metadata?.generation ?? 0;
    let expected;
    try {
      expected = expectedPods(pdb.spec ?? {}, selected, scales);
    } catch (err) {
      const why = (err as Error).message;
      recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${why}`);
      // failSafe: no disruption while the budget cannot be computed
      const st: PdbStatus = { ...pdb.status, disruptionsAllowed: 0, observedGeneration: generation };
      st.conditions = withCondition(st, { status: 'False', reason: 'SyncFailed', message: why }, now);
      await write(pdb, st);
      return { requeueAfterMs: 5_000 };
    }
    if (expected.unmanagedPods.length > 0) {
      recorder.event(pdb, 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${canonicalJson(pdb.spec?.selector ?? {})}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`);
    }
    // buildDisruptedPodMap: evicted pods not yet seen deleting, for at most deletionTimeoutMs
    const disrupted: Record<string, string> = {};
    let recheckAt: number | undefined;
    for (const p of selected) {
      const at = pdb.status?.disruptedPods?.[p.metadata?.name ?? ''];
      if (!at || p.metadata?.deletionTimestamp) continue;
      const expiry = Date.parse(at) + deletionTimeoutMs;
      if (expiry < now.getTime()) {
        recorder.event(p, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata?.namespace}/${pdb.metadata?.name} to be deleted but it wasn't`);
        continue;
      }
      disrupted[p.metadata!.name!] = at;
      recheckAt = Math.min(recheckAt ?? expiry, expiry);
    }
    const currentHealthy = selected.filter((p) => !p.metadata?.deletionTimestamp && !disrupted[p.metadata?.name ?? ''] && isPodReady(p as never)).length;
    let allowed = currentHealthy - expected.desiredHealthy;
    if (expected.expectedCount <= 0 || allowed <= 0) allowed = 0;

    const status: PdbStatus = {
      observedGeneration: generation,
      ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed: allowed,
      currentHealthy,
      desiredHealthy: expected.desiredHealthy,
      expectedPods: expected.expectedCount,
      conditions: pdb.status?.conditions,
    };
    status.conditions = withCondition(status, allowedCondition(allowed), now);
    const recheck = recheckAt !== undefined ? { requeueAfterMs: Math.max(100, recheckAt - now.getTime() + 10) } : undefined;
    if (canonicalJson(status) === canonicalJson(pdb.status ?? {})) return recheck;
    return (await write(pdb, status)) ?? recheck;
  }

  return { name, run: (signal) => runWhenSynced(ctx.informers, queue, 2, sync, signal, name) };
}
