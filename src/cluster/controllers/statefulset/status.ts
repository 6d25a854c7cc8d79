// StatefulSet status as updateStatefulSet counts it: pods created, ready, available (minReadySeconds), at the
// current and at the update revision; a finished rolling update makes the update revision current.
import type { StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import { isPodAvailable, isPodReady } from '../../types/pod.ts';
import { podRevision } from './identity.ts';
import type { PodObject, StatefulSetObject } from './identity.ts';

/** isCreated: the API server holds it (it has a phase) */
export const isCreated = (p: PodObject): boolean => !!p.status?.phase;
export const isTerminating = (p: PodObject): boolean => !!p.metadata?.deletionTimestamp;
export const isRunningAndReady = (p: PodObject): boolean => p.status?.phase === 'Running' && isPodReady(p);
export const isRunningAndAvailable = (p: PodObject, minReadySeconds: number, now: Date): boolean =>
  p.status?.phase === 'Running' && isPodAvailable(p, minReadySeconds, now);
/** isUnavailable: not yet made, being deleted, or not available */
export const isUnavailable = (p: PodObject, minReadySeconds: number, now: Date): boolean =>
  !isCreated(p) || isTerminating(p) || !isRunningAndAvailable(p, minReadySeconds, now);

export function countReplicas(pods: readonly PodObject[], minReadySeconds: number, current: string, update: string, now: Date): StatefulSetStatus {
  let replicas = 0, readyReplicas = 0, availableReplicas = 0, currentReplicas = 0, updatedReplicas = 0;
  for (const p of pods) {
    if (isCreated(p)) replicas++;
    if (isRunningAndReady(p)) {
      readyReplicas++;
      if (isRunningAndAvailable(p, minReadySeconds, now)) availableReplicas++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      if (podRevision(p) === current) currentReplicas++;
      if (podRevision(p) === update) updatedReplicas++;
    }
  }
  return { replicas, readyReplicas, availableReplicas, currentReplicas, updatedReplicas };
}

/** completeRollingUpdate: every pod updated and ready → the update revision is the current one. */
export function completeRollingUpdate(set: StatefulSetObject, status: StatefulSetStatus): void {
  if (set.spec?.updateStrategy?.type !== 'OnDelete' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

const fields = ['replicas', 'readyReplicas', 'availableReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision', 'collisionCount'] as const;

/** inconsistentStatus: a newer generation observed, or any count or revision differs */
export function statusChanged(set: StatefulSetObject, next: StatefulSetStatus): boolean {
  const cur = set.status;
  if (cur?.observedGeneration === undefined || (next.observedGeneration ?? 0) > cur.observedGeneration) return true;
  return fields.some((f) => (cur[f] ?? 0) !== (next[f] ?? 0));
}

/** The status as kube's JSON has it: zero counts left out where the field is omitempty. */
export function tidyStatus(prev: StatefulSetStatus | undefined, s: StatefulSetStatus): StatefulSetStatus {
  const out: StatefulSetStatus = { ...prev, ...s };
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas'] as const) if (!out[f]) delete out[f];
  return out;
}
