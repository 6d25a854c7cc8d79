// The Deployment controller's steps that every strategy shares (pkg/controller/deployment/sync.go,
// progress.go): find or create the new ReplicaSet and sync revisions, scale (proportionally when the
// Deployment was resized mid-rollout), clean up old ReplicaSets past revisionHistoryLimit, write status.
// `d` is the sync's working copy of the Deployment; every write replaces its metadata/status with the
// server's answer, so later writes in the same sync carry a fresh resourceVersion.
import type { ApiClient, EventRecorder } from '../../client/types.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { getControllerOf, newControllerRef } from '../util.ts';
import type { Deployment, ReplicaSet } from './replicasets.ts';
import {
  activeReplicaSets, byRevision, bySizeNewer, bySizeOlder, computeHash, equalIgnoreHash, findActiveOrLatest, findNewReplicaSet,
  hashLabel, isSaturated, maxRevision, maxSurge, newRSNewReplicas, paramsOf, proportionOf, replicasAnnotationsNeedUpdate, replicasOf,
  revisionAnnotation, setNewReplicaSetAnnotations, setReplicasAnnotations, sumReplicas,
} from './replicasets.ts';
import type { Status } from './status.ts';
import { calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut, getCondition, newCondition, reasons, removeCondition, sameStatus, setCondition } from './status.ts';
import { cloneJson } from '../../types/clone.ts';

export interface DeploymentEnv {
  client: ApiClient;
  recorder: EventRecorder;
  now(): Date;
  /** ask for another sync of this Deployment after ms */
  requeueAfter(ms: number): void;
}

export const deploymentKind = { apiVersion: 'apps/v1', kind: 'Deployment' };
const clone = <T>(o: T): T => cloneJson(o);
const nameOf = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

/** Writes the Deployment's revision annotation (a metadata patch) and/or its status; `d` takes the answers. */
async function writeDeployment(env: DeploymentEnv, d: Deployment, o: { revision?: string; status?: boolean }): Promise<void> {
  const ns = d.metadata?.namespace;
  if (o.revision !== undefined) {
    const patched = await env.client.patch<Deployment>(R.deployments, ns, nameOf(d), 'merge', { metadata: { annotations: { [revisionAnnotation]: o.revision } } });
    d.metadata = patched.metadata;
  }
  if (o.status) {
    const updated = await env.client.update<Deployment>(R.deployments, ns, d, { subresource: 'status' });
    d.metadata = updated.metadata;
    (d as { status?: Status }).status = updated.status;
  }
}

const setStatus = (d: Deployment, s: Status) => void ((d as { status?: Status }).status = s);

/** SetDeploymentRevision on the working copy: the revision to write, or undefined when already so */
function revisionToWrite(d: Deployment, revision: string): string | undefined {
  if (d.metadata?.annotations?.[revisionAnnotation] === revision) return undefined;
  d.metadata = { ...d.metadata, annotations: { ...d.metadata?.annotations, [revisionAnnotation]: revision } };
  return revision;
}

/**
 * getAllReplicaSetsAndSyncRevision: the new RS (created when asked and missing) and all the others. rsList is
 * updated in place with what this call wrote.
 */
export async function replicaSetsAndSyncRevision(env: DeploymentEnv, d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
  const existing = findNewReplicaSet(d, rsList);
  const oldRSs = rsList.filter((rs) => rs !== existing);
  const newRS = await newReplicaSet(env, d, rsList, existing, oldRSs, create);
  return { newRS, oldRSs };
}

async function newReplicaSet(env: DeploymentEnv, d: Deployment, rsList: ReplicaSet[], existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
  const newRevision = String(maxRevision(oldRSs) + 1);
  const p = paramsOf(d);
  if (existing) {
    const copy = clone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== p.minReadySeconds) {
      copy.spec = { ...copy.spec!, minReadySeconds: p.minReadySeconds };
      const updated = await env.client.update<ReplicaSet>(R.replicasets, copy.metadata?.namespace, copy);
      rsList[rsList.indexOf(existing)] = updated;
      return updated;
    }
    const revision = revisionToWrite(d, copy.metadata?.annotations?.[revisionAnnotation] ?? newRevision);
    let statusChanged = false;
    if (p.progressDeadlineSeconds !== undefined && !getCondition(d.status, 'Progressing')) {
      const s: Status = clone(d.status ?? {});
      setCondition(s, newCondition('Progressing', 'True', reasons.foundNewReplicaSet, `Found new replica set "${nameOf(copy)}"`, env.now()));
      setStatus(d, s);
      statusChanged = true;
    }
    if (revision !== undefined || statusChanged) await writeDeployment(env, d, { revision, status: statusChanged });
    return copy;
  }
  if (!create) return undefined;

  const template = clone(d.spec!.template);
  const hash = computeHash(template, d.status?.collisionCount);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [hashLabel]: hash } };
  const selector = clone(d.spec!.selector);
  selector.matchLabels = { ...selector.matchLabels, [hashLabel]: hash };
  const name = `${nameOf(d)}-${hash}`;
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, namespace: d.metadata?.namespace, ownerReferences: [newControllerRef(d, deploymentKind)], labels: { ...template.metadata.labels } },
    spec: { replicas: 0, minReadySeconds: p.minReadySeconds, selector, template },
  };
  rs.spec!.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);

  let createdRS: ReplicaSet;
  let alreadyExists = false;
  try {
    createdRS = await env.client.create<ReplicaSet>(R.replicasets, rs.metadata?.namespace, rs);
  } catch (err) {
    if (isStatusError(err, 'AlreadyExists')) {
      const found = await env.client.get<ReplicaSet>(R.replicasets, rs.metadata?.namespace, name);
      if (getControllerOf(found)?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
        createdRS = found;
        alreadyExists = true;
      } else {
        // a hash collision: another template (or owner) has this name; the next sync hashes with collisionCount + 1
        setStatus(d, { ...clone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 });
        await writeDeployment(env, d, { status: true });
        throw err;
      }
    } else {
      const msg = `Failed to create new replica set "${name}": ${err instanceof Error ? err.message : String(err)}`;
      if (p.progressDeadlineSeconds !== undefined) {
        const s: Status = clone(d.status ?? {});
        setCondition(s, newCondition('Progressing', 'False', reasons.failedRSCreate, msg, env.now()));
        setStatus(d, s);
        await writeDeployment(env, d, { status: true }).catch(() => undefined);
      }
      env.recorder.event(d, 'Warning', reasons.failedRSCreate, msg);
      throw err;
    }
  }
  const count = replicasOf(createdRS);
  if (!alreadyExists && count > 0) env.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${count}`);
  rsList.push(createdRS);
  const revision = revisionToWrite(d, newRevision);
  let statusChanged = false;
  if (!alreadyExists && p.progressDeadlineSeconds !== undefined) {
    const s: Status = clone(d.status ?? {});
    setCondition(s, newCondition('Progressing', 'True', reasons.newReplicaSetCreated, `Created new replica set "${name}"`, env.now()));
    setStatus(d, s);
    statusChanged = true;
  }
  if (revision !== undefined || statusChanged) await writeDeployment(env, d, { revision, status: statusChanged });
  return createdRS;
}

/** scaleReplicaSet: sets replicas and the replica annotations; an event when the size changed */
export async function scaleReplicaSet(env: DeploymentEnv, rs: ReplicaSet, newScale: number, d: Deployment, operation?: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  const p = paramsOf(d);
  const max = p.replicas + maxSurge(d);
  const oldScale = replicasOf(rs);
  const sizeChanged = oldScale !== newScale;
  if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, p.replicas, max)) return { scaled: false, rs };
  const copy = clone(rs);
  copy.spec = { ...copy.spec!, replicas: newScale };
  setReplicasAnnotations(copy, p.replicas, max);
  const updated = await env.client.update<ReplicaSet>(R.replicasets, copy.metadata?.namespace, copy);
  if (sizeChanged) {
    const op = operation || (oldScale < newScale ? 'up' : 'down');
    env.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${nameOf(rs)} from ${oldScale} to ${newScale}`);
  }
  return { scaled: sizeChanged, rs: updated };
}

export async function scaleAndRecord(env: DeploymentEnv, rs: ReplicaSet, newScale: number, d: Deployment) {
  if (replicasOf(rs) === newScale) return { scaled: false, rs };
  return scaleReplicaSet(env, rs, newScale, d);
}

/** scale: a resize (or a paused Deployment) — one active RS takes it all; otherwise shares proportional to size */
export async function scale(env: DeploymentEnv, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const want = paramsOf(d).replicas;
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (replicasOf(only) !== want) await scaleAndRecord(env, only, want, d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) await scaleAndRecord(env, old, 0, d);
    return;
  }
  if (!paramsOf(d).rolling) return;
  const all = activeReplicaSets([...oldRSs, newRS]);
  const toAdd = Math.max(0, want) - sumReplicas(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  const operation = toAdd > 0 ? 'up' : toAdd < 0 ? 'down' : '';
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return replicasOf(rs);
    const share = proportionOf(rs, d, toAdd, added);
    added += share;
    return replicasOf(rs) + share;
  });
  // leftovers go to the largest
  if (all.length > 0 && toAdd !== 0) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
  for (let i = 0; i < all.length; i++) await scaleReplicaSet(env, all[i], sizes[i], d, operation);
}

/** cleanupDeployment: deletes the oldest RSs beyond revisionHistoryLimit that have no pods and are settled */
export async function cleanupDeployment(env: DeploymentEnv, oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
  const limit = paramsOf(d).revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort(byRevision);
  const diff = cleanable.length - limit;
  for (let i = 0; i < diff; i++) {
    const rs = cleanable[i];
    if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    try {
      await env.client.delete(R.replicasets, rs.metadata?.namespace, nameOf(rs));
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}

/** syncDeploymentStatus: the counts and Available, written only when changed */
export async function syncDeploymentStatus(env: DeploymentEnv, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
  const s = calculateStatus(allRSs, newRS, d, env.now());
  if (sameStatus(d.status, s)) return;
  setStatus(d, s);
  await writeDeployment(env, d, { status: true });
}

/** syncRolloutStatus: as syncDeploymentStatus, plus the Progressing condition and a re-check before the deadline */
export async function syncRolloutStatus(env: DeploymentEnv, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
  const now = env.now();
  const s = calculateStatus(allRSs, newRS, d, now);
  const deadline = paramsOf(d).progressDeadlineSeconds;
  if (deadline === undefined) removeCondition(s, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = s.replicas === s.updatedReplicas && current?.reason === reasons.newReplicaSetAvailable;
  if (deadline !== undefined && !complete) {
    const subject = newRS ? `ReplicaSet "${nameOf(newRS)}"` : `Deployment "${nameOf(d)}"`;
    if (deploymentComplete(d, s)) {
      setCondition(s, newCondition('Progressing', 'True', reasons.newReplicaSetAvailable, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, s)) {
      const c = newCondition('Progressing', 'True', reasons.replicaSetUpdated, `${subject} is progressing.`, now);
      // progress refreshes lastUpdateTime even with the same reason (the deadline counts from it)
      if (current) {
        if (current.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(s, 'Progressing');
      }
      setCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      setCondition(s, newCondition('Progressing', 'False', reasons.timedOut, `${subject} has timed out progressing.`, now));
    }
  }
  const failure = [newRS, ...allRSs].map((rs) => rs?.status?.conditions?.find((c) => c.type === 'ReplicaFailure')).find((c) => c);
  if (failure) setCondition(s, { type: 'ReplicaFailure', status: failure.status, reason: failure.reason, message: failure.message, lastUpdateTime: failure.lastTransitionTime, lastTransitionTime: failure.lastTransitionTime });
  else removeCondition(s, 'ReplicaFailure');

  if (sameStatus(d.status, s)) {
    requeueStuck(env, d, s, now);
    return;
  }
  setStatus(d, s);
  await writeDeployment(env, d, { status: true });
}

/** a rollout without progress is looked at again when its deadline passes, to mark it timed out */
function requeueStuck(env: DeploymentEnv, d: Deployment, s: Status, now: Date): void {
  const deadline = paramsOf(d).progressDeadlineSeconds;
  const c = getCondition(d.status, 'Progressing');
  if (deadline === undefined || !c || deploymentComplete(d, s) || c.reason === reasons.timedOut) return;
  const after = Date.parse(c.lastUpdateTime ?? '') + deadline * 1000 - now.getTime();
  env.requeueAfter(after < 1000 ? 1000 : after + 1000);
}

/** a Progressing condition of Unknown while paused, so the time paused never counts against the deadline */
export async function checkPausedConditions(env: DeploymentEnv, d: Deployment): Promise<void> {
  const p = paramsOf(d);
  if (p.progressDeadlineSeconds === undefined) return;
  const c = getCondition(d.status, 'Progressing');
  if (c?.reason === reasons.timedOut) return;
  const pausedCond = c?.reason === reasons.paused;
  const s: Status = clone(d.status ?? {});
  if (p.paused && !pausedCond) setCondition(s, newCondition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', env.now()));
  else if (!p.paused && pausedCond) setCondition(s, newCondition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', env.now()));
  else return;
  setStatus(d, s);
  await writeDeployment(env, d, { status: true });
}
