// A ReplicaSet's status from its pods (replica_set_utils.go calculateStatus / updateReplicaSetStatus):
// written through the status subresource, and only when something changed.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/types.ts';
import { isPodAvailable, isPodReady } from '../../types/pod.ts';
import { isStatusError } from '../../types/status-error.ts';
import type { ReplicaCondition, ReplicaKind, ReplicaOwner, ReplicaStatus } from './kinds.ts';
import { desiredReplicas } from './kinds.ts';
import { canonicalJson } from '../util.ts';

const failureType = 'ReplicaFailure';

/** errors carry the API's message (a StatusError) or an Error's */
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function calculateStatus(owner: ReplicaOwner, pods: Pod[], manageError: unknown, now: Date): ReplicaStatus {
  const templateLabels = owner.spec?.template?.metadata?.labels ?? {};
  const minReady = owner.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  const conditions: ReplicaCondition[] = [...(owner.status?.conditions ?? [])];
  const failure = conditions.findIndex((c) => c.type === failureType);
  if (manageError !== undefined && failure < 0) {
    const diff = pods.length - desiredReplicas(owner);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions.push({ type: failureType, status: 'True', lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), reason, message: messageOf(manageError) });
  } else if (manageError === undefined && failure >= 0) conditions.splice(failure, 1);
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: owner.status?.observedGeneration,
    ...(conditions.length ? { conditions } : {}),
  };
}

const sameStatus = (owner: ReplicaOwner, s: ReplicaStatus) => {
  const cur = owner.status;
  return (cur?.replicas ?? 0) === s.replicas &&
    (cur?.fullyLabeledReplicas ?? 0) === s.fullyLabeledReplicas &&
    (cur?.readyReplicas ?? 0) === s.readyReplicas &&
    (cur?.availableReplicas ?? 0) === s.availableReplicas &&
    owner.metadata?.generation === cur?.observedGeneration &&
    canonicalJson(cur?.conditions) === canonicalJson(s.conditions);
};

/** Writes status (with observedGeneration = generation) unless unchanged; one retry on a fresh copy after a conflict. */
export async function updateReplicaStatus(client: ApiClient, kind: ReplicaKind, owner: ReplicaOwner, status: ReplicaStatus): Promise<ReplicaOwner> {
  let current = owner;
  for (let attempt = 0; ; attempt++) {
    if (sameStatus(current, status)) return current;
    const next: ReplicaOwner = { ...current, status: { ...status, observedGeneration: current.metadata?.generation } };
    try {
      return await client.update<ReplicaOwner>(kind.resource, current.metadata?.namespace, next, { subresource: 'status' });
    } catch (err) {
      if (attempt >= 1 || !isStatusError(err, 'Conflict')) throw err;
      current = await client.get<ReplicaOwner>(kind.resource, owner.metadata?.namespace, owner.metadata?.name ?? '');
    }
  }
}
