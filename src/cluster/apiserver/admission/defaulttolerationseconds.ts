// DefaultTolerationSeconds (kube-apiserver's plugin of that name): every pod that does not already tolerate the
// node lifecycle controller's NoExecute taints `node.kubernetes.io/not-ready` and `/unreachable` gets a
// toleration of each for a limited time (kube's default 300 s), so a pod rides out a short node outage and is
// evicted (and replaced by its owner) once the outage lasts longer. Pods that tolerate the taints themselves —
// forever (DaemonSet pods) or for their own tolerationSeconds — are left as they are.
import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { AdmissionDeps, AdmissionPlugin, AdmissionRequest } from './types.ts';

export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
/** kube-apiserver's --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds */
export const DEFAULT_TOLERATION_SECONDS = 300;

/** a toleration that covers `key`'s NoExecute taint: the key itself or every key, NoExecute or every effect */
const covers = (t: Toleration, key: string) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);

/** The tolerations the pod lacks (a toleration of not-ready and of unreachable for the given seconds), in kube's order. */
export function missingTolerations(pod: Pod, notReadySeconds: number, unreachableSeconds: number): Toleration[] {
  const have = pod.spec?.tolerations ?? [];
  const out: Toleration[] = [];
  if (!have.some((t) => covers(t, NOT_READY_TAINT))) out.push({ key: NOT_READY_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: notReadySeconds });
  if (!have.some((t) => covers(t, UNREACHABLE_TAINT))) out.push({ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: unreachableSeconds });
  return out;
}

export function createDefaultTolerationSeconds(deps: AdmissionDeps): AdmissionPlugin {
  const notReady = deps.options?.defaultNotReadyTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS;
  const unreachable = deps.options?.defaultUnreachableTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS;
  return {
    name: 'DefaultTolerationSeconds',
    admit(req: AdmissionRequest) {
      // pods proper on create and update, never their subresources (status, binding, …)
      if (req.spec.group !== '' || req.spec.resource !== 'pods' || req.subresource || !req.object) return;
      if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return;
      const pod = req.object as Pod;
      const add = missingTolerations(pod, notReady, unreachable);
      if (add.length === 0) return;
      pod.spec = { ...pod.spec!, tolerations: [...(pod.spec?.tolerations ?? []), ...add] };
    },
  };
}
