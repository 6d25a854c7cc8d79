// Taint-based eviction (kube-controller-manager's taint-eviction-controller): a pod on a node with a
// NoExecute taint it does not tolerate is deleted; one that tolerates it for tolerationSeconds is deleted once
// they have passed since the taint was added.
// Most pods tolerate not-ready/unreachable for a while: the DefaultTolerationSeconds admission plugin gives
// them kube's 300 s (the server's --default-*-toleration-seconds) unless they bring their own.
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { toleratesTaint } from '../../scheduler/index.ts';

export type EvictionVerdict =
  | { evict: false; at?: undefined }
  | { evict: true; at: number; taint: Taint };

/**
 * When the pod must go: never (no NoExecute taint, or all tolerated without a time limit), or at `at` (ms;
 * `since` is when the taints were added, a number per taint or one for all).
 */
export function evictionVerdict(pod: Pod, taints: readonly Taint[], since: (t: Taint) => number): EvictionVerdict {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { evict: false };
  const tolerations = pod.spec?.tolerations ?? [];
  let soonest: { at: number; taint: Taint } | undefined;
  for (const taint of noExecute) {
    const used: Toleration | undefined = tolerations.find((t) => toleratesTaint(t, taint));
    if (!used) return { evict: true, at: since(taint), taint };
    if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
    const at = since(taint) + Math.max(0, used.tolerationSeconds) * 1000;
    if (!soonest || at < soonest.at) soonest = { at, taint };
  }
  return soonest ? { evict: true, ...soonest } : { evict: false };
}
