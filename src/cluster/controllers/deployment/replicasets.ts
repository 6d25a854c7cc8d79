// The arithmetic of Deployments over their ReplicaSets (pkg/controller/deployment/util/deployment_util.go):
// the pod-template hash, which RS is "new", revision and replica annotations, maxSurge/maxUnavailable
// fenceposts, how far the new RS may grow, and proportional shares when a Deployment is resized mid-rollout.
import type { Deployment as KDeployment, ReplicaSet as KReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../types/meta.ts';
import { canonicalJson } from '../util.ts';

export type Deployment = KDeployment & KObject;
export type ReplicaSet = KReplicaSet & KObject;

export const hashLabel = 'pod-template-hash';
export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
/** limit of the revision-history annotation, as Kubernetes (~100 revisions) */
const maxRevisionHistoryChars = 2000;

/** annotations of a Deployment never copied onto its ReplicaSets */
const skipCopy = new Set([
  'kubectl.kubernetes.io/last-applied-configuration', revisionAnnotation, revisionHistoryAnnotation,
  desiredReplicasAnnotation, maxReplicasAnnotation, 'deprecated.deployment.rollback.to',
]);

/** spec fields with the API server's defaults, for objects that were not defaulted (tests, old clients) */
export function paramsOf(d: Deployment) {
  const s = d.spec;
  const rolling = (s?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const deadline = s?.progressDeadlineSeconds ?? 600;
  const historyLimit = s?.revisionHistoryLimit ?? 10;
  return {
    replicas: s?.replicas ?? 1,
    rolling,
    maxSurgeSpec: s?.strategy?.rollingUpdate?.maxSurge ?? '25%',
    maxUnavailableSpec: s?.strategy?.rollingUpdate?.maxUnavailable ?? '25%',
    minReadySeconds: s?.minReadySeconds ?? 0,
    paused: s?.paused === true,
    /** undefined: no deadline (MaxInt32 means none, as in Kubernetes) */
    progressDeadlineSeconds: deadline === 2147483647 ? undefined : deadline,
    revisionHistoryLimit: historyLimit === 2147483647 ? undefined : historyLimit,
  };
}

export const replicasOf = (rs: ReplicaSet | undefined): number => (rs ? (rs.spec?.replicas ?? 1) : 0);

/** intstr.GetScaledValueFromIntOrPercent: '25%' of total, rounded up or down */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v) ?? /^(\d+)$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${v}": must be an integer or a percentage`);
  if (!v.endsWith('%')) return Number(m[1]);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** surge rounds up, unavailable down; both 0 → maxUnavailable 1 (surge may be blocked by quota) */
export function fenceposts(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const p = paramsOf(d);
  const maxSurge = scaledValue(p.maxSurgeSpec, p.replicas, true);
  let maxUnavailable = scaledValue(p.maxUnavailableSpec, p.replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export const maxSurge = (d: Deployment): number => (paramsOf(d).rolling ? fenceposts(d).maxSurge : 0);

export function maxUnavailable(d: Deployment): number {
  const p = paramsOf(d);
  if (!p.rolling || p.replicas === 0) return 0;
  return Math.min(fenceposts(d).maxUnavailable, p.replicas);
}

/** How many replicas the new RS may have now: up to replicas + maxSurge pods in all, never above replicas. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const p = paramsOf(d);
  if (!p.rolling) return p.replicas;
  const current = sumReplicas(allRSs);
  const maxTotal = p.replicas + fenceposts(d).maxSurge;
  if (current >= maxTotal) return replicasOf(newRS);
  return replicasOf(newRS) + Math.min(maxTotal - current, p.replicas - replicasOf(newRS));
}

export const sumReplicas = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + replicasOf(rs), 0);
export const sumStatus = (rss: (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas') =>
  rss.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
export const activeReplicaSets = (rss: (ReplicaSet | undefined)[]): ReplicaSet[] => rss.filter((rs): rs is ReplicaSet => !!rs && replicasOf(rs) > 0);

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** controller.ComputeHash: FNV-32a of the template (+ collisionCount), its decimal digits in the safe alphabet */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined) {
    const le = new Uint8Array(4);
    new DataView(le.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(le, h);
  }
  return [...String(h)].map((c) => safeAlphabet[c.charCodeAt(0) % safeAlphabet.length]).join('');
}

const withoutHash = (t: PodTemplateSpec | undefined) => {
  const labels = { ...(t?.metadata?.labels ?? {}) };
  delete labels[hashLabel];
  return { ...t, metadata: { ...t?.metadata, labels } };
};

/** the templates are equal but for the pod-template-hash label */
export const equalIgnoreHash = (a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined) =>
  canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));

const created = (rs: ReplicaSet) => Date.parse(rs.metadata?.creationTimestamp ?? '') || 0;
export const byCreation = (a: ReplicaSet, b: ReplicaSet) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
/** larger first; equal sizes newer first (who grows first when scaling up) */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet) => replicasOf(b) - replicasOf(a) || -byCreation(a, b);
/** larger first; equal sizes older first (who shrinks first when scaling down) */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet) => replicasOf(b) - replicasOf(a) || byCreation(a, b);

export const revisionOf = (rs: KObject): number => {
  const n = Number(rs.metadata?.annotations?.[revisionAnnotation] ?? '0');
  return Number.isFinite(n) ? n : 0;
};
export const byRevision = (a: ReplicaSet, b: ReplicaSet) => revisionOf(a) - revisionOf(b) || byCreation(a, b);
export const maxRevision = (rss: ReplicaSet[]) => rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);

/** The oldest RS whose template equals the Deployment's (ignoring the hash label): the "new" one. */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Sets desired-replicas and max-replicas; true when they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = (rs.metadata!.annotations ??= {});
  const changed = a[desiredReplicasAnnotation] !== String(desired) || a[maxReplicasAnnotation] !== String(max);
  a[desiredReplicasAnnotation] = String(desired);
  a[maxReplicasAnnotation] = String(max);
  return changed;
}

export const replicasAnnotationsNeedUpdate = (rs: ReplicaSet, desired: number, max: number) =>
  rs.metadata?.annotations?.[desiredReplicasAnnotation] !== String(desired) || rs.metadata?.annotations?.[maxReplicasAnnotation] !== String(max);

/**
 * SetNewReplicaSetAnnotations: copies the Deployment's own annotations (change-cause …), raises the revision
 * to newRevision when lower — an old RS brought back (rollback) keeps its former revisions in revision-history
 * — and, for an RS about to be created, sets the replica annotations. True when anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: string, exists: boolean): boolean {
  const a = (rs.metadata!.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopy.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const had = Object.hasOwn(a, revisionAnnotation);
  const oldRevision = a[revisionAnnotation] ?? '';
  const oldNum = oldRevision === '' ? 0 : Number(oldRevision);
  if (!Number.isInteger(oldNum)) return changed;
  if (oldNum < Number(newRevision)) {
    a[revisionAnnotation] = newRevision;
    changed = true;
    if (had) {
      const history = a[revisionHistoryAnnotation] ? a[revisionHistoryAnnotation].split(',') : [];
      history.push(oldRevision);
      while (history.join(',').length > maxRevisionHistoryChars) history.shift();
      a[revisionHistoryAnnotation] = history.join(',');
    }
  }
  if (!exists) {
    const p = paramsOf(d);
    if (setReplicasAnnotations(rs, p.replicas, p.replicas + maxSurge(d))) changed = true;
  }
  return changed;
}

/** FindActiveOrLatest: the one RS with replicas, or the newest when none has any; undefined when several do */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => -byCreation(a, b));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** the new RS has all the Deployment's replicas, and all available */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const want = paramsOf(d).replicas;
  return rs.metadata?.annotations?.[desiredReplicasAnnotation] === String(want) && replicasOf(rs) === want && (rs.status?.availableReplicas ?? 0) === want;
}

/** This RS's share of a resize (GetProportion): its fraction of the new size, within what is left to hand out. */
export function proportionOf(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const allowed = toAdd - added;
  const fraction = replicaSetFraction(rs, d);
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const p = paramsOf(d);
  if (p.replicas === 0) return -replicasOf(rs);
  const deploymentReplicas = p.replicas + maxSurge(d);
  const annotated = Number(rs.metadata?.annotations?.[maxReplicasAnnotation]);
  const base = Number.isInteger(annotated) && rs.metadata?.annotations?.[maxReplicasAnnotation] !== undefined ? annotated : (d.status?.replicas ?? 0);
  if (base === 0) return 0;
  const size = (replicasOf(rs) * deploymentReplicas) / base;
  // Go's math.Round: halves away from zero
  return Math.sign(size) * Math.round(Math.abs(size)) - replicasOf(rs);
}
