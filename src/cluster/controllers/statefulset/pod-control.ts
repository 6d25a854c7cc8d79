// The writes of the StatefulSet controller (StatefulPodControl): create a pod with its claims, delete a pod,
// fix a pod's identity or storage, set its claims' owners for the retention policy. Events with kube's words.
import type { ApiClient, EventRecorder, Informer } from '../../client/types.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { objectKey } from '../../types/meta.ts';
import { claimIsStale, claimOwnerRefs, claimOwnersMatch } from './claims.ts';
import { claimsFor, ordinalOf, podIndexLabel, podNameLabel } from './identity.ts';
import type { ClaimObject, PodObject, StatefulSetObject } from './identity.ts';

export interface PodControl {
  /** false: the pod already exists (the cache lags); the caller waits for it */
  createPod(set: StatefulSetObject, pod: PodObject): Promise<boolean>;
  deletePod(set: StatefulSetObject, pod: PodObject): Promise<void>;
  createMissingClaims(set: StatefulSetObject, pod: PodObject): Promise<void>;
  /** the identity labels and claims a member must have */
  updatePod(set: StatefulSetObject, pod: PodObject): Promise<void>;
  claimsMatchPolicy(set: StatefulSetObject, pod: PodObject): boolean;
  fixClaimOwners(set: StatefulSetObject, pod: PodObject): Promise<void>;
  claimsStale(set: StatefulSetObject, pod: PodObject): boolean;
}

const storageError = (err: unknown) => (err as Error).message;

export function createPodControl(client: ApiClient, claims: Informer<ClaimObject>, recorder: EventRecorder): PodControl {
  const claimsOf = (set: StatefulSetObject, pod: PodObject) =>
    [...claimsFor(set, ordinalOf(pod)).values()].map((c) => ({ want: c, have: claims.get(objectKey(c)) }));
  const setName = (set: StatefulSetObject) => set.metadata?.name ?? '';

  async function createMissingClaims(set: StatefulSetObject, pod: PodObject): Promise<void> {
    let firstError: unknown;
    for (const { want, have } of claimsOf(set, pod)) {
      if (have) continue;
      const refs = claimOwnerRefs(want, set, pod);
      if (refs.length) want.metadata!.ownerReferences = refs;
      try {
        await client.create(R.persistentvolumeclaims, set.metadata?.namespace, want);
        recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${want.metadata?.name} Pod ${pod.metadata?.name} in StatefulSet ${setName(set)} success`);
      } catch (err) {
        if (isStatusError(err, 'AlreadyExists')) continue;
        recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${want.metadata?.name} for Pod ${pod.metadata?.name} in StatefulSet ${setName(set)} failed error: ${storageError(err)}`);
        firstError ??= err;
      }
    }
    if (firstError) throw firstError;
  }

  async function fixClaimOwners(set: StatefulSetObject, pod: PodObject): Promise<void> {
    for (const { have } of claimsOf(set, pod)) {
      if (!have || claimOwnersMatch(have, set, pod)) continue;
      const refs = claimOwnerRefs(have, set, pod);
      const patch = { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: have.metadata?.resourceVersion } };
      try {
        await client.patch(R.persistentvolumeclaims, have.metadata?.namespace, have.metadata?.name ?? '', 'merge', patch);
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
  }

  return {
    createMissingClaims,
    fixClaimOwners,
    async createPod(set, pod) {
      await createMissingClaims(set, pod);
      try {
        await client.create(R.pods, set.metadata?.namespace, pod);
      } catch (err) {
        if (isStatusError(err, 'AlreadyExists')) return false;
        recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata?.name} in StatefulSet ${setName(set)} failed error: ${(err as Error).message}`);
        throw err;
      }
      recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata?.name} in StatefulSet ${setName(set)} successful`);
      return true;
    },
    async deletePod(set, pod) {
      try {
        await client.delete(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid } });
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return;
        recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${setName(set)} failed error: ${(err as Error).message}`);
        throw err;
      }
      recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${setName(set)} successful`);
    },
    async updatePod(set, pod) {
      await createMissingClaims(set, pod);
      await fixClaimOwners(set, pod);
      const name = pod.metadata?.name ?? '';
      const labels = { [podNameLabel]: name, [podIndexLabel]: String(ordinalOf(pod)) };
      if (Object.entries(labels).every(([k, v]) => pod.metadata?.labels?.[k] === v)) return;
      try {
        await client.patch(R.pods, pod.metadata?.namespace, name, 'merge', { metadata: { labels, resourceVersion: pod.metadata?.resourceVersion } });
      } catch (err) {
        recorder.event(set, 'Warning', 'FailedUpdate', `update Pod ${name} in StatefulSet ${setName(set)} failed error: ${(err as Error).message}`);
        throw err;
      }
      recorder.event(set, 'Normal', 'SuccessfulUpdate', `update Pod ${name} in StatefulSet ${setName(set)} successful`);
    },
    claimsMatchPolicy(set, pod) {
      return claimsOf(set, pod).every(({ have }) => !have || claimOwnersMatch(have, set, pod));
    },
    claimsStale(set, pod) {
      return claimsOf(set, pod).some(({ have }) => claimIsStale(have));
    },
  };
}
