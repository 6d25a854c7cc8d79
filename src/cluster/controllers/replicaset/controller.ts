// The ReplicaSet / ReplicationController control loop (pkg/controller/replicaset/replica_set.go): per owner
// key, read the owner and its pods from the shared caches, claim pods by selector, create or delete pods
// toward spec.replicas (bounded, slow-start batches, guarded by expectations), then write status.
// Terminating pods (deletionTimestamp set) do not count, so replacements start at once — this is what
// brings a dead node's pods back elsewhere.
import type { Controller, ControllerContext, Informer, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import { objectKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { matchesLabelSelector } from '../../types/labels.ts';
import { isPodActive, isPodReady } from '../../types/pod.ts';
import { isStatusError } from '../../types/status-error.ts';
import { claimObjects, controllerUidIndex, createExpectations, getControllerOf, newControllerRef, slowStartBatch } from '../util.ts';
import type { ReplicaKind, ReplicaOwner } from './kinds.ts';
import { desiredReplicas, replicaSetKind, replicationControllerKind } from './kinds.ts';
import { podFromTemplate, rankPodsForDeletion } from './pods.ts';
import type { PodObject as Pod } from './pods.ts';

const POD_EVENT_BATCH_MS = 50;
import { calculateStatus, updateReplicaStatus } from './status.ts';

/** Kubernetes' BurstReplicas: at most this many creates or deletes per sync */
export const burstReplicas = 500;
const workers = 5;
/** creates in flight per sync: a batch's creates are all answered after the last of them is committed, so a
 * batch of 500 made each create wait ~150 ms here; smaller batches keep the API's p99 low at the same rate */
const maxCreateBatch = 50;

export function createReplicaSetController(ctx: ControllerContext): Controller {
  return createReplicaOwnerController(ctx, replicaSetKind);
}

export function createReplicationControllerController(ctx: ControllerContext): Controller {
  return createReplicaOwnerController(ctx, replicationControllerKind);
}

export function createReplicaOwnerController(ctx: ControllerContext, kind: ReplicaKind): Controller {
  const owners = ctx.informers.informer<ReplicaOwner>(kind.resource);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const recorder = ctx.recorder(kind.name);
  const queue = createWorkQueue({ name: kind.name });
  const expectations = createExpectations(() => ctx.now().getTime());
  const podIndex = `${kind.name}/controller-uid`;
  const ownerIndex = `${kind.name}/controller-uid`;
  pods.addIndex(podIndex, controllerUidIndex);
  owners.addIndex(ownerIndex, controllerUidIndex);

  const enqueue = (owner: ReplicaOwner) => queue.add(objectKey(owner));
  // pod events come in bursts (a 3,000-pod ReplicaSet gets thousands): coalesce them into one sync per
  // owner every POD_EVENT_BATCH_MS instead of re-reading every pod after each event
  const enqueueForPod = (owner: ReplicaOwner) => queue.addAfter(objectKey(owner), POD_EVENT_BATCH_MS);

  /** the owner a controller reference names, if it is ours and still the same object */
  function resolve(namespace: string | undefined, ref: ReturnType<typeof getControllerOf>): ReplicaOwner | undefined {
    if (!ref || ref.kind !== kind.gvk.kind) return undefined;
    const owner = owners.get(`${namespace}/${ref.name}`);
    return owner && owner.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** owners (of this kind) whose selector matches an orphan pod */
  const ownersSelecting = (pod: Pod) =>
    owners.list(pod.metadata?.namespace).filter((o) => {
      const sel = kind.selectorOf(o);
      return sel && (Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0) && matchesLabelSelector(sel, pod.metadata?.labels);
    });

  function podGone(pod: Pod) {
    const owner = resolve(pod.metadata?.namespace, getControllerOf(pod));
    if (!owner) return;
    expectations.deletionObserved(objectKey(owner), objectKey(pod));
    enqueueForPod(owner);
  }

  pods.on({
    add(pod) {
      if (pod.metadata?.deletionTimestamp) return podGone(pod);
      const ref = getControllerOf(pod);
      if (ref) {
        const owner = resolve(pod.metadata?.namespace, ref);
        if (owner) {
          expectations.creationObserved(objectKey(owner));
          enqueueForPod(owner);
        }
        return;
      }
      for (const o of ownersSelecting(pod)) enqueueForPod(o);
    },
    update(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
      if (cur.metadata?.deletionTimestamp) {
        podGone(cur);
        if (labelsChanged) podGone(old);
        return;
      }
      const oldRef = getControllerOf(old);
      const curRef = getControllerOf(cur);
      const refChanged = oldRef?.uid !== curRef?.uid;
      if (refChanged && oldRef) {
        const prev = resolve(old.metadata?.namespace, oldRef);
        if (prev) enqueueForPod(prev);
      }
      if (curRef) {
        const owner = resolve(cur.metadata?.namespace, curRef);
        if (!owner) return;
        enqueueForPod(owner);
        // a pod that just became ready is available minReadySeconds later: look again then
        const minReady = owner.spec?.minReadySeconds ?? 0;
        if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) queue.addAfter(objectKey(owner), minReady * 1000);
        return;
      }
      if (labelsChanged || refChanged) for (const o of ownersSelecting(cur)) enqueueForPod(o);
    },
    delete: podGone,
  });

  owners.on({
    add: enqueue,
    update: (_old, cur) => enqueue(cur),
    delete(owner) {
      expectations.delete(objectKey(owner));
      enqueue(owner);
    },
  });

  /** pods of this owner and of its siblings (same controller): a crowded node loses pods first */
  function relatedPods(owner: ReplicaOwner): Pod[] {
    const ref = getControllerOf(owner);
    const family = ref ? owners.byIndex(ownerIndex, ref.uid) : [owner];
    return family.flatMap((o) => pods.byIndex(podIndex, o.metadata?.uid ?? ''));
  }

  async function createPods(owner: ReplicaOwner, key: string, count: number): Promise<void> {
    const ns = owner.metadata?.namespace ?? 'default';
    const name = owner.metadata?.name ?? '';
    const ref = newControllerRef(owner, kind.gvk);
    expectations.expectCreations(key, count);
    const { successes, error } = await slowStartBatch(count, 1, async () => {
      try {
        const pod = podFromTemplate(owner.spec?.template, name, ns, ref);
        const created = await ctx.client.create<Pod>(R.pods, ns, pod);
        recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      } catch (err) {
        recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    }, maxCreateBatch);
    // the informer will never show the creates that failed or were not tried
    for (let i = successes; i < count; i++) expectations.creationObserved(key);
    if (error !== undefined) throw error;
  }

  async function deletePods(owner: ReplicaOwner, key: string, victims: Pod[]): Promise<void> {
    expectations.expectDeletions(key, victims.map(objectKey));
    const results = await Promise.allSettled(victims.map(async (pod) => {
      try {
        await ctx.client.delete(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '');
        recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
      } catch (err) {
        // the informer will not show this deletion
        expectations.deletionObserved(key, objectKey(pod));
        if (isStatusError(err, 'NotFound')) return;
        recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async function manageReplicas(owner: ReplicaOwner, key: string, active: Pod[]): Promise<void> {
    const diff = active.length - desiredReplicas(owner);
    if (diff < 0) await createPods(owner, key, Math.min(-diff, burstReplicas));
    else if (diff > 0) {
      const ranked = rankPodsForDeletion(active, relatedPods(owner), ctx.now());
      await deletePods(owner, key, ranked.slice(0, Math.min(diff, burstReplicas)));
    }
  }

  async function syncOwner(key: string): Promise<ReconcileResult> {
    const owner = owners.get(key);
    if (!owner) {
      expectations.delete(key);
      return;
    }
    const ns = owner.metadata?.namespace ?? '';
    const uid = owner.metadata?.uid ?? '';
    const needsSync = expectations.satisfied(key) && !owner.metadata?.deletionTimestamp;
    const selector = kind.selectorOf(owner);
    // owned pods (they may no longer match: then released) and orphans of the namespace (adopted if they match)
    const candidates = [...pods.byIndex(podIndex, uid), ...pods.byIndex(podIndex, `orphan/${ns}`)].filter(isPodActive);
    const active = await claimObjects(candidates, {
      client: ctx.client,
      resource: R.pods,
      owner,
      ownerKind: kind.gvk,
      matches: (pod) => matchesLabelSelector(selector, pod.metadata?.labels),
      async canAdopt() {
        const fresh = await ctx.client.get<ReplicaOwner>(kind.resource, ns, owner.metadata?.name ?? '');
        return fresh.metadata?.uid === uid && !fresh.metadata?.deletionTimestamp;
      },
    });

    let manageError: unknown;
    if (needsSync) {
      try {
        await manageReplicas(owner, key, active);
      } catch (err) {
        manageError = err;
      }
    }
    const status = calculateStatus(owner, active, manageError, ctx.now());
    const updated = await updateReplicaStatus(ctx.client, kind, owner, status);
    if (manageError !== undefined) throw manageError;
    const minReady = updated.spec?.minReadySeconds ?? 0;
    const want = desiredReplicas(updated);
    if (minReady > 0 && updated.status?.readyReplicas === want && updated.status?.availableReplicas !== want) {
      return { requeueAfterMs: minReady * 1000 };
    }
  }

  return {
    name: kind.name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, syncOwner, signal, kind.name);
    },
  };
}
