// Pods as a ReplicaSet makes and unmakes them: a pod from the template (controller.GetPodFromTemplate), and
// which pods go first when scaling down (controller.ActivePodsWithRanks, with LogarithmicScaleDown on as in
// Kubernetes since 1.22): unscheduled < scheduled, Pending < Unknown < Running, not ready < ready, lower
// pod-deletion-cost, more ready siblings on the same node, ready for less time (log2 buckets), more restarts,
// newer (log2 buckets).
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KObject, OwnerReference } from '../../types/meta.ts';
import { badRequestError } from '../../types/status-error.ts';
import { getPodCondition, isPodActive, isPodReady } from '../../types/pod.ts';
import { cloneJson } from '../../types/clone.ts';

/** A Pod as the client and informers hand it out (kubernetes-types' Pod lacks KObject's index signature). */
export type PodObject = Pod & KObject;

/** The pod a controller creates: template labels/annotations/finalizers/spec, generateName `<owner>-`. */
export function podFromTemplate(template: PodTemplateSpec | undefined, ownerName: string, namespace: string, ref: OwnerReference): PodObject {
  const labels = { ...(template?.metadata?.labels ?? {}) };
  if (Object.keys(labels).length === 0) throw badRequestError('unable to create pods, no labels');
  const meta = template?.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ownerName}-`,
      namespace,
      labels,
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers?.length ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [ref],
    },
    spec: cloneJson(template?.spec ?? { containers: [] }),
  };
}

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

const ms = (t: string | undefined): number | undefined => (t ? Date.parse(t) : undefined);

function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  const n = v === undefined ? 0 : Number(v);
  return Number.isInteger(n) ? n : 0;
}

function maxRestarts(pod: Pod): number {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return all.reduce((m, c) => Math.max(m, c.restartCount ?? 0), 0);
}

/** floor(log2(age in ns)), -1 for no age: pods of a similar age rank alike, so ties fall to uid (random) */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/**
 * Orders pods so the first ones are the best to delete. `related` are the active pods of this owner and its
 * siblings (same controlling Deployment): a pod on a node crowded with them goes first.
 */
export function rankPodsForDeletion<P extends Pod>(pods: P[], related: Pod[], now: Date): P[] {
  const perNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) perNode.set(p.spec?.nodeName ?? '', (perNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
  const t = now.getTime();
  const info = pods.map((pod) => ({
    pod,
    node: pod.spec?.nodeName ?? '',
    phase: phaseOrdinal[pod.status?.phase ?? ''] ?? 0,
    ready: isPodReady(pod),
    cost: deletionCost(pod),
    rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0,
    readySince: ms(getPodCondition(pod.status, 'Ready')?.lastTransitionTime),
    restarts: maxRestarts(pod),
    created: ms(pod.metadata?.creationTimestamp),
    uid: pod.metadata?.uid ?? '',
  }));
  type Info = (typeof info)[number];
  const compare = (a: Info, b: Info): number => {
    if (a.node !== b.node && (a.node === '' || b.node === '')) return a.node === '' ? -1 : 1;
    if (a.phase !== b.phase) return a.phase - b.phase;
    if (a.ready !== b.ready) return a.ready ? 1 : -1;
    if (a.cost !== b.cost) return a.cost - b.cost;
    if (a.rank !== b.rank) return b.rank - a.rank;
    if (a.ready && b.ready && a.readySince !== b.readySince) return ageOrder(a.readySince, b.readySince, t, a.uid, b.uid);
    if (a.restarts !== b.restarts) return b.restarts - a.restarts;
    if (a.created !== b.created) return ageOrder(a.created, b.created, t, a.uid, b.uid);
    return 0;
  };
  return info.sort(compare).map((i) => i.pod);
}

/** afterOrZero with log2 buckets: unknown first, then newer; within one age bucket by uid */
function ageOrder(a: number | undefined, b: number | undefined, now: number, uidA: string, uidB: string): number {
  if (a === undefined || b === undefined) return a === undefined ? (b === undefined ? 0 : -1) : 1;
  const diff = logRank(a, now) - logRank(b, now);
  if (diff !== 0) return diff;
  return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
}
