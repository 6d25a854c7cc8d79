// Taints, tolerations and node affinity as Kubernetes matches them (component-helpers/scheduling/corev1 and
// api/v1/helper). Shared by the scheduler, the node lifecycle (taint eviction) and the DaemonSet controller,
// so "does this pod fit this node" has one answer in the whole control plane.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm, Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** The taints the node lifecycle controller and kubelets put on nodes (well-known labels and taints). */
export const taintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  unschedulable: 'node.kubernetes.io/unschedulable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
} as const;

/** v1helper ToleratesTaint: an empty key with Exists tolerates every taint; an empty effect every effect. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

export const isTolerated = (taint: Taint, tolerations: readonly Toleration[] | undefined): boolean =>
  !!tolerations && tolerations.some((t) => toleratesTaint(t, taint));

/** The first taint with one of `effects` that no toleration tolerates (FindMatchingUntoleratedTaint). */
export function untoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly string[]): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) if (effects.includes(taint.effect) && !isTolerated(taint, tolerations)) return taint;
  return undefined;
}

/** Gt/Lt compare integers; a non-integer value never matches (as labels.Requirement does). */
const asInt = (s: string | undefined): number | undefined => (s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined);

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined, has: boolean): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return has && values.includes(value!);
    case 'NotIn': return !has || !values.includes(value!);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': case 'Lt': {
      const v = asInt(value);
      const bound = asInt(values[0]);
      if (!has || v === undefined || bound === undefined || values.length !== 1) return false;
      return r.operator === 'Gt' ? v > bound : v < bound;
    }
    default: return false;
  }
}

/** One NodeSelectorTerm: its expressions (labels) and fields (only metadata.name) all hold; an empty term matches nothing. */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm, nodeName: string, labels: Record<string, string> | undefined): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const l = labels ?? {};
  for (const e of exprs) if (!matchRequirement(e, l[e.key], Object.hasOwn(l, e.key))) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return false;
    if (!matchRequirement(f, nodeName, true)) return false;
  }
  return true;
}

/** The pod's nodeSelector and required node affinity both hold for the node (RequiredNodeAffinity.Match). */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const name = node.metadata?.name ?? '';
  const labels = node.metadata?.labels;
  const sel = pod.spec?.nodeSelector;
  if (sel) for (const [k, v] of Object.entries(sel)) if (labels?.[k] !== v) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => matchesNodeSelectorTerm(t, name, labels));
}

/** Sum of the weights of the preferred terms the node matches. */
export function preferredAffinityWeight(terms: readonly PreferredSchedulingTerm[] | undefined, nodeName: string, labels: Record<string, string> | undefined): number {
  let sum = 0;
  if (terms) for (const t of terms) if (t.weight && matchesNodeSelectorTerm(t.preference, nodeName, labels)) sum += t.weight;
  return sum;
}

/** The node a pod is meant for: spec.nodeName, else the single name of a `metadata.name In [x]` affinity field (DaemonSet pods). */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
