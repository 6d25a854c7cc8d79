// RollingUpdate with maxUnavailable (daemonset-controller's rollingUpdate, surge 0): old pods that are not
// available are replaced at once; available old pods are deleted only while fewer than maxUnavailable nodes
// are without an available updated pod. The manage pass then creates the new pods on the freed nodes.
import type { KObject } from '../../types/meta.ts';
import { isPodAvailable } from '../../types/pod.ts';
import { revisionHashLabel } from './pods.ts';
import type { DaemonSetObject, PodObject } from './pods.ts';

/** intstr.GetScaledValueFromIntOrPercent, rounding up as the DaemonSet controller does; default 1, never 0. */
export function maxUnavailableOf(ds: DaemonSetObject, desired: number): number {
  const v = ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  const n = typeof v === 'number' ? v : v.endsWith('%') ? Math.ceil((desired * Number(v.slice(0, -1))) / 100) : Number(v);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

export function rollingUpdateDeletions(
  ds: DaemonSetObject, byNode: Map<string, PodObject[]>, eligible: Map<string, { shouldRun: boolean }>, hash: string, desired: number, now: Date,
): { deletions: PodObject[]; recheckMs?: number } {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const maxUnavailable = maxUnavailableOf(ds, desired);
  const available = (p: PodObject) => isPodAvailable(p, minReady, now);
  const updated = (p: KObject) => p.metadata?.labels?.[revisionHashLabel] === hash;
  let unavailable = 0;
  const replaceNow: PodObject[] = [];
  const candidates: PodObject[] = [];
  for (const [nodeName, here] of byNode) {
    if (!eligible.get(nodeName)?.shouldRun) continue;
    const fresh = here.find(updated);
    const old = here.find((p) => !updated(p));
    if ((fresh && old) || (!fresh && !old)) unavailable++;
    else if (fresh) { if (!available(fresh)) unavailable++; }
    else if (!available(old!)) replaceNow.push(old!);
    else if (unavailable < maxUnavailable) candidates.push(old!);
  }
  const room = Math.max(0, Math.min(candidates.length, maxUnavailable - unavailable));
  const deletions = [...replaceNow, ...candidates.slice(0, room)];
  // when the budget is spent, readiness changes of the new pods (pod updates) wake the controller again
  return { deletions, recheckMs: candidates.length > room && minReady > 0 ? minReady * 1000 : undefined };
}
