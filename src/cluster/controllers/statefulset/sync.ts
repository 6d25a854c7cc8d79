// One sync of a StatefulSet (defaultStatefulSetControl.updateStatefulSet): pods sorted into the ordinals the set
// wants and the condemned (beyond them); missing ordinals made at the right revision, in order and one at a time
// unless podManagementPolicy is Parallel (OrderedReady waits for each to be Running and Ready); condemned pods
// deleted highest ordinal first; then a rolling update deletes the highest ordinal ≥ partition that is not at
// the update revision, one at a time, waiting for each replacement to be available. OnDelete stops before that.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Revision } from '../history/index.ts';
import { endOrdinal, inOrdinalRange, identityMatches, newStatefulPod, ordinalOf, podRevision, startOrdinal, storageMatches } from './identity.ts';
import type { PodObject, StatefulSetObject } from './identity.ts';
import type { PodControl } from './pod-control.ts';
import { countReplicas, isCreated, isRunningAndAvailable, isRunningAndReady, isTerminating, isUnavailable } from './status.ts';
import { templateOf } from '../history/index.ts';

export interface SyncInput {
  set: StatefulSetObject;
  pods: PodObject[];
  current: Revision;
  update: Revision;
  collisionCount: number;
  control: PodControl;
  now: Date;
}

interface Step { status: StatefulSetStatus; replicas: PodObject[]; condemned: PodObject[] }

/** The template at a revision, with the set it belongs to (ApplyRevision). */
const atRevision = (set: StatefulSetObject, r: Revision): { set: StatefulSetObject; template: PodTemplateSpec } => {
  const template = templateOf(r);
  return { set: { ...set, spec: { ...set.spec!, template } }, template };
};

/** newVersionedStatefulSetPod: ordinals below the partition are made at the current revision, the rest at the update. */
function podFor(i: SyncInput, ordinal: number): PodObject {
  const u = i.set.spec?.updateStrategy;
  const atCurrent = u?.type !== 'OnDelete' && ((u?.rollingUpdate === undefined && ordinal < (i.set.status?.currentReplicas ?? 0)) ||
    (u?.rollingUpdate !== undefined && ordinal < (u.rollingUpdate.partition ?? 0)));
  const r = atCurrent ? i.current : i.update;
  const { set, template } = atRevision(i.set, r);
  return newStatefulPod(set, template, ordinal, r.metadata?.name ?? '');
}

function recount(i: SyncInput, s: Step): StatefulSetStatus {
  const counts = countReplicas([...s.replicas.filter((p) => isCreated(p)), ...s.condemned], i.set.spec?.minReadySeconds ?? 0,
    i.current.metadata?.name ?? '', i.update.metadata?.name ?? '', i.now);
  return { ...s.status, ...counts };
}

/** processReplica: true = stop here this round (OrderedReady waits, or something was written). */
async function processReplica(i: SyncInput, monotonic: boolean, pod: PodObject): Promise<boolean> {
  const c = i.control;
  const updateSet = atRevision(i.set, i.update).set;
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
    if (!isTerminating(pod)) await c.deletePod(i.set, pod);
    return true; // made again once it is gone
  }
  if (!isCreated(pod)) {
    if (c.claimsStale(i.set, pod)) return true;
    const made = await c.createPod(i.set, pod);
    if (monotonic || !made) return true;
  }
  if (pod.status?.phase === 'Pending') await c.createMissingClaims(i.set, pod);
  if (monotonic && isTerminating(pod)) return true;
  if (monotonic && !isRunningAndReady(pod)) return true;
  if (monotonic && !isRunningAndAvailable(pod, i.set.spec?.minReadySeconds ?? 0, i.now)) return true;
  if (!isCreated(pod)) return false;
  if (identityMatches(i.set, pod) && storageMatches(i.set, pod) && c.claimsMatchPolicy(updateSet, pod)) return false;
  await c.updatePod(updateSet, pod);
  return false;
}

/** runForAll: in order, stopping at the first that asks; Parallel: all at once (the first error is thrown). */
async function runForAll(pods: PodObject[], fn: (p: PodObject) => Promise<boolean>, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (const p of pods) if (await fn(p)) return true;
    return false;
  }
  const results = await Promise.allSettled(pods.map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return false;
}

export async function syncStatefulSet(i: SyncInput): Promise<StatefulSetStatus> {
  const set = i.set;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata?.generation,
    currentRevision: i.current.metadata?.name,
    updateRevision: i.update.metadata?.name,
    collisionCount: i.collisionCount,
    replicas: 0,
  };
  const start = startOrdinal(set), end = endOrdinal(set);
  const byOrdinal = new Map<number, PodObject>();
  const condemned: PodObject[] = [];
  for (const p of i.pods) {
    if (inOrdinalRange(set, p)) byOrdinal.set(ordinalOf(p), p);
    else if (ordinalOf(p) >= 0) condemned.push(p);
  }
  const replicas: PodObject[] = [];
  for (let o = start; o <= end; o++) replicas.push(byOrdinal.get(o) ?? podFor(i, o));
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  const step: Step = { status, replicas, condemned };
  const firstUnavailable = [...replicas, ...[...condemned].reverse()].find((p) => isUnavailable(p, minReady, i.now));
  if (set.metadata?.deletionTimestamp) return recount(i, step);

  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  if (await runForAll(replicas, (p) => processReplica(i, monotonic, p), monotonic)) return recount(i, step);

  const updateSet = atRevision(set, i.update).set;
  const fixClaims = async (p: PodObject) => {
    if (!i.control.claimsMatchPolicy(updateSet, p)) await i.control.fixClaimOwners(updateSet, p);
    return false;
  };
  if (await runForAll(condemned, fixClaims, monotonic)) return recount(i, step);

  const processCondemned = async (p: PodObject): Promise<boolean> => {
    if (isTerminating(p)) return monotonic; // OrderedReady: wait for it to go
    if (monotonic && p !== firstUnavailable && !isRunningAndAvailable(p, minReady, i.now)) return true;
    await i.control.deletePod(set, p);
    return true;
  };
  if (await runForAll(condemned, processCondemned, monotonic)) return recount(i, step);

  const result = recount(i, step);
  if (set.spec?.updateStrategy?.type === 'OnDelete') return result;
  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let k = replicas.length - 1; k >= partition; k--) {
    const p = replicas[k];
    if (podRevision(p) !== i.update.metadata?.name && !isTerminating(p)) {
      await i.control.deletePod(set, p);
      result.currentReplicas = (result.currentReplicas ?? 0) - 1;
      return result;
    }
    if (isUnavailable(p, minReady, i.now)) return result;
  }
  return result;
}
