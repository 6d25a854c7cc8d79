// The two rollout strategies (pkg/controller/deployment/rolling.go, recreate.go). RollingUpdate: grow the new
// ReplicaSet while the total stays within replicas + maxSurge, shrink old ones while at least
// replicas - maxUnavailable pods stay available (unhealthy old replicas go first). Recreate: old ReplicaSets to
// zero, wait until their pods are gone, then the new one to full size.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet } from './replicasets.ts';
import { activeReplicaSets, byCreation, maxUnavailable, newRSNewReplicas, paramsOf, replicasOf, sumReplicas, sumStatus } from './replicasets.ts';
import type { DeploymentEnv } from './sync.ts';
import { cleanupDeployment, replicaSetsAndSyncRevision, scaleAndRecord, syncRolloutStatus } from './sync.ts';
import { deploymentComplete } from './status.ts';

export async function rolloutRolling(env: DeploymentEnv, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await replicaSetsAndSyncRevision(env, d, rsList, true);
  if (!newRS) return;
  const allRSs = [...oldRSs, newRS];
  if (await reconcileNewReplicaSet(env, allRSs, newRS, d)) return syncRolloutStatus(env, allRSs, newRS, d);
  if (await reconcileOldReplicaSets(env, allRSs, activeReplicaSets(oldRSs), newRS, d)) return syncRolloutStatus(env, allRSs, newRS, d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(env, oldRSs, d);
  return syncRolloutStatus(env, allRSs, newRS, d);
}

async function reconcileNewReplicaSet(env: DeploymentEnv, allRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  const want = paramsOf(d).replicas;
  if (replicasOf(newRS) === want) return false;
  if (replicasOf(newRS) > want) return (await scaleAndRecord(env, newRS, want, d)).scaled;
  return (await scaleAndRecord(env, newRS, newRSNewReplicas(d, allRSs, newRS), d)).scaled;
}

async function reconcileOldReplicaSets(env: DeploymentEnv, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  if (sumReplicas(oldRSs) === 0) return false;
  const minAvailable = paramsOf(d).replicas - maxUnavailable(d);
  const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  // never count the new RS's unavailable pods as room to scale old ones down (rolling.go's worked example)
  const maxScaledDown = sumReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const { oldRSs: afterCleanup, cleaned } = await cleanupUnhealthyReplicas(env, oldRSs, d, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(env, [...afterCleanup, newRS], afterCleanup, d);
  return cleaned + scaledDown > 0;
}

/** old RSs' unavailable replicas go first: removing them costs no availability */
async function cleanupUnhealthyReplicas(env: DeploymentEnv, oldRSs: ReplicaSet[], d: Deployment, maxCleanup: number) {
  const sorted = [...oldRSs].sort(byCreation);
  let cleaned = 0;
  for (let i = 0; i < sorted.length && cleaned < maxCleanup; i++) {
    const rs = sorted[i];
    const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
    if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
    const count = Math.min(maxCleanup - cleaned, unhealthy);
    sorted[i] = (await scaleAndRecord(env, rs, replicasOf(rs) - count, d)).rs;
    cleaned += count;
  }
  return { oldRSs: sorted, cleaned };
}

async function scaleDownOldReplicaSetsForRollingUpdate(env: DeploymentEnv, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
  const minAvailable = paramsOf(d).replicas - maxUnavailable(d);
  const available = sumStatus(allRSs, 'availableReplicas');
  if (available <= minAvailable) return 0;
  const total = available - minAvailable;
  let scaled = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (scaled >= total) break;
    if (replicasOf(rs) === 0) continue;
    const count = Math.min(replicasOf(rs), total - scaled);
    await scaleAndRecord(env, rs, replicasOf(rs) - count, d);
    scaled += count;
  }
  return scaled;
}

/** podsByRS: the pods each of the Deployment's ReplicaSets controls, by RS uid */
export async function rolloutRecreate(env: DeploymentEnv, d: Deployment, rsList: ReplicaSet[], podsByRS: Map<string, Pod[]>): Promise<void> {
  // no new RS yet: scaling up before the old ones are down is what Recreate must never do
  let { newRS, oldRSs } = await replicaSetsAndSyncRevision(env, d, rsList, false);
  let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if ((await scaleAndRecord(env, rs, 0, d)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(env, allRSs, newRS, d);
  if (oldPodsRunning(newRS, oldRSs, podsByRS)) return syncRolloutStatus(env, allRSs, newRS, d);
  if (!newRS) {
    ({ newRS, oldRSs } = await replicaSetsAndSyncRevision(env, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS) await scaleAndRecord(env, newRS, paramsOf(d).replicas, d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(env, oldRSs, d);
  return syncRolloutStatus(env, allRSs, newRS, d);
}

function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByRS: Map<string, Pod[]>): boolean {
  if (sumStatus(oldRSs, 'replicas') > 0) return true;
  for (const [uid, pods] of podsByRS) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}
