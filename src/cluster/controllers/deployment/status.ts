// A Deployment's status and conditions (sync.go calculateStatus, progress.go, deployment_util.go conditions),
// with Kubernetes' reasons and messages — `kubectl rollout status` and `describe` read exactly these.
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1.js';
import type { Deployment, ReplicaSet } from './replicasets.ts';
import { canonicalJson } from '../util.ts';
import { maxUnavailable, paramsOf, sumReplicas, sumStatus } from './replicasets.ts';

export const reasons = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  replicaSetUpdated: 'ReplicaSetUpdated',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'ReplicaSetCreateError',
} as const;

export type Status = DeploymentStatus & { conditions?: DeploymentCondition[] };

const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: Date): DeploymentCondition {
  return { type, status, lastUpdateTime: stamp(now), lastTransitionTime: stamp(now), reason, message };
}

export const getCondition = (s: Status | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

/** SetDeploymentCondition: same status and reason → unchanged; same status → keeps lastTransitionTime */
export function setCondition(s: Status, c: DeploymentCondition): void {
  const cur = getCondition(s, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = cur && cur.status === c.status ? { ...c, lastTransitionTime: cur.lastTransitionTime } : c;
  s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(s: Status, type: string): void {
  if (!s.conditions) return;
  s.conditions = s.conditions.filter((c) => c.type !== type);
  if (s.conditions.length === 0) delete s.conditions;
}

/** replicas from the RSs' status, Available from maxUnavailable; other conditions carried over */
export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: Date): Status {
  const available = sumStatus(allRSs, 'availableReplicas');
  const total = sumReplicas(allRSs);
  const status: Status = {
    observedGeneration: d.metadata?.generation,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: sumStatus([newRS], 'replicas'),
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    ...(d.status?.conditions?.length ? { conditions: d.status.conditions.map((c) => ({ ...c })) } : {}),
  };
  if (available >= paramsOf(d).replicas - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', reasons.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** every replica updated and available, and the latest spec observed */
export function deploymentComplete(d: Deployment, s: Status): boolean {
  const want = paramsOf(d).replicas;
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** any sign of progress since the stored status: more updated, ready or available pods, fewer old ones */
export function deploymentProgressing(d: Deployment, s: Status): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

export function deploymentTimedOut(d: Deployment, s: Status, now: Date): boolean {
  const deadline = paramsOf(d).progressDeadlineSeconds;
  const c = getCondition(s, 'Progressing');
  if (deadline === undefined || !c) return false;
  if (c.reason === reasons.newReplicaSetAvailable) return false;
  if (c.reason === reasons.timedOut) return true;
  return Date.parse(c.lastUpdateTime ?? '') + deadline * 1000 < now.getTime();
}

/** status equality as Kubernetes' DeepEqual sees it, where a 0 left out and a 0 written are the same */
export function sameStatus(a: Status | undefined, b: Status | undefined): boolean {
  const norm = (s: Status | undefined) => canonicalJson(Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== 0)));
  return norm(a) === norm(b);
}
