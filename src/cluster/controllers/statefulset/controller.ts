// The StatefulSet controller (kube-controller-manager's statefulset-controller): per StatefulSet key, claim its
// pods (members by name and selector) and ControllerRevisions, find the current and update revisions, make one
// sync step (sync.ts), write the status, and keep the revision history within spec.revisionHistoryLimit.
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import { objectKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { matchesLabelSelector } from '../../types/labels.ts';
import { cloneJson } from '../../types/clone.ts';
import { claimObjects, controllerUidIndex, getControllerOf } from '../util.ts';
import { truncateHistory } from '../history/index.ts';
import type { Revision } from '../history/index.ts';
import { isMemberOf, podRevision, stsKind } from './identity.ts';
import type { ClaimObject, PodObject, StatefulSetObject } from './identity.ts';
import { createPodControl } from './pod-control.ts';
import { statefulSetRevisions } from './revisions.ts';
import { completeRollingUpdate, statusChanged, tidyStatus } from './status.ts';
import { syncStatefulSet } from './sync.ts';

const name = 'statefulset-controller';
const workers = 5;

export function createStatefulSetController(ctx: ControllerContext): Controller {
  const sets = ctx.informers.informer<StatefulSetObject>(R.statefulsets);
  const pods = ctx.informers.informer<PodObject>(R.pods);
  const revisions = ctx.informers.informer<Revision>(R.controllerrevisions);
  const claims = ctx.informers.informer<ClaimObject>(R.persistentvolumeclaims);
  const recorder = ctx.recorder(name);
  const control = createPodControl(ctx.client, claims, recorder);
  const queue = createWorkQueue({ name });
  const index = `${name}/controller-uid`;
  pods.addIndex(index, controllerUidIndex);
  revisions.addIndex(index, controllerUidIndex);

  const enqueue = (s: StatefulSetObject) => queue.add(objectKey(s));
  /** a pod's owner, or for an orphan every set whose selector takes it (it may be adopted) */
  function enqueueFor(pod: PodObject) {
    const ref = getControllerOf(pod);
    if (ref) {
      if (ref.kind === 'StatefulSet') queue.add(`${pod.metadata?.namespace}/${ref.name}`);
      return;
    }
    for (const s of sets.list(pod.metadata?.namespace)) if (isMemberOf(s, pod) && matchesLabelSelector(s.spec?.selector, pod.metadata?.labels)) enqueue(s);
  }
  sets.on({ add: enqueue, update: (_o, cur) => enqueue(cur), delete: enqueue });
  pods.on({ add: enqueueFor, update: (_o, cur) => enqueueFor(cur), delete: enqueueFor });
  // a claim that goes (stale under whenScaled=Delete) unblocks its ordinal
  claims.on({
    delete(c) {
      for (const s of sets.list(c.metadata?.namespace)) if ((s.spec?.volumeClaimTemplates ?? []).length) enqueue(s);
    },
  });

  async function claim<T extends PodObject | Revision>(set: StatefulSetObject, from: typeof pods | typeof revisions, resource: typeof R.pods, member: (o: T) => boolean): Promise<T[]> {
    const ns = set.metadata?.namespace ?? '';
    const candidates = [...from.byIndex(index, set.metadata?.uid ?? ''), ...from.byIndex(index, `orphan/${ns}`)] as T[];
    return claimObjects<T>(candidates, {
      client: ctx.client, resource, owner: set, ownerKind: stsKind,
      matches: (o) => member(o) && matchesLabelSelector(set.spec?.selector, o.metadata?.labels),
      async canAdopt() {
        const fresh = await ctx.client.get(R.statefulsets, ns, set.metadata?.name ?? '');
        return fresh.metadata?.uid === set.metadata?.uid && !fresh.metadata?.deletionTimestamp;
      },
    });
  }

  async function reconcile(key: string): Promise<ReconcileResult> {
    const cached = sets.get(key);
    if (!cached) return;
    const set: StatefulSetObject = cloneJson(cached);
    const setPods = await claim<PodObject>(set, pods, R.pods, (p) => isMemberOf(set, p as PodObject));
    const setRevisions = await claim<Revision>(set, revisions, R.controllerrevisions, () => true);
    const { current, update, collisionCount } = await statefulSetRevisions(ctx.client, set, setRevisions);
    const now = ctx.now();
    const next = await syncStatefulSet({ set, pods: setPods, current, update, collisionCount, control, now });
    completeRollingUpdate(set, next);
    if (statusChanged(set, next)) {
      try {
        await ctx.client.update(R.statefulsets, set.metadata?.namespace, { ...set, status: tidyStatus(set.status, next) }, { subresource: 'status' });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    const live = new Set([current.metadata?.name ?? '', update.metadata?.name ?? '', ...setPods.map(podRevision)]);
    await truncateHistory(ctx.client, setRevisions, live, set.spec?.revisionHistoryLimit ?? 10);
    // pods become available only with time (minReadySeconds): look again then
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (next.availableReplicas ?? 0) < (next.readyReplicas ?? 0)) return { requeueAfterMs: minReady * 1000 };
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, reconcile, signal, name);
    },
  };
}
