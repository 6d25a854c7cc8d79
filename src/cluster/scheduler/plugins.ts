// The default plugins of kube-scheduler that skiff runs, with Kubernetes' own failure reasons (they are what
// `kubectl describe pod` shows) and its score formulas. Filters run in kube-scheduler's order and stop at
// the first that fails; every score is 0..100 and the total is their weighted sum.
import type { NodeSelectorTerm, Pod, PreferredSchedulingTerm, Toleration } from 'kubernetes-types/core/v1.js';
import type { NodeInfo, PodFacts } from './cache.ts';
import { isTolerated, matchesNodeSelectorTerm, preferredAffinityWeight, untoleratedTaint, taintKeys } from './predicates.ts';

export const reasons = {
  unschedulable: 'node(s) were unschedulable',
  nodeName: "node(s) didn't match the requested node name",
  affinity: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
  taint: (key: string, value: string | undefined) => `node(s) had untolerated taint {${key}: ${value ?? ''}}`,
} as const;

/** A failed filter: its reasons, and whether evicting other pods could help (Unschedulable vs UnschedulableAndUnresolvable). */
export interface Failure { reasons: string[]; resolvable: boolean }

/** Everything about the pod the filters and scores read, computed once per scheduling attempt. */
export interface PodSchedulingInfo {
  pod: Pod;
  facts: PodFacts;
  tolerations: Toleration[];
  nodeSelector: [string, string][];
  requiredTerms: NodeSelectorTerm[] | undefined;
  preferredTerms: PreferredSchedulingTerm[] | undefined;
  tolerateUnschedulable: boolean;
  /** VolumeBinding's Filter over the pod's claims (absent: the pod has none) */
  volumesFit?: (n: NodeInfo) => string | undefined;
}

const unschedulableTaint = { key: taintKeys.unschedulable, effect: 'NoSchedule' };

export function schedulingInfo(pod: Pod, facts: PodFacts): PodSchedulingInfo {
  const tolerations = pod.spec?.tolerations ?? [];
  const na = pod.spec?.affinity?.nodeAffinity;
  return {
    pod, facts, tolerations,
    nodeSelector: Object.entries(pod.spec?.nodeSelector ?? {}),
    requiredTerms: na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    preferredTerms: na?.preferredDuringSchedulingIgnoredDuringExecution,
    tolerateUnschedulable: isTolerated(unschedulableTaint, tolerations),
  };
}

const doNotSchedule = ['NoSchedule', 'NoExecute'];

/** undefined when the pod fits the node, else why not. */
export function filterNode(p: PodSchedulingInfo, n: NodeInfo): Failure | undefined {
  if (n.unschedulable && !p.tolerateUnschedulable) return { reasons: [reasons.unschedulable], resolvable: false };
  const wanted = p.pod.spec?.nodeName;
  if (wanted && wanted !== n.name) return { reasons: [reasons.nodeName], resolvable: false };
  if (n.taints.length) {
    const taint = untoleratedTaint(n.taints, p.tolerations, doNotSchedule);
    if (taint) return { reasons: [reasons.taint(taint.key, taint.value)], resolvable: false };
  }
  for (const [k, v] of p.nodeSelector) if (n.labels[k] !== v) return { reasons: [reasons.affinity], resolvable: false };
  if (p.requiredTerms && !p.requiredTerms.some((t) => matchesNodeSelectorTerm(t, n.name, n.labels))) {
    return { reasons: [reasons.affinity], resolvable: false };
  }
  const volumeConflict = p.volumesFit?.(n);
  if (volumeConflict) return { reasons: [volumeConflict], resolvable: false };
  if (p.facts.ports.length && n.ports.size && portsConflict(p.facts.ports, n.ports)) return { reasons: [reasons.ports], resolvable: true };
  return fitsResources(p.facts, n);
}

function portsConflict(wanted: string[], used: Map<string, string[]>): boolean {
  for (const port of wanted) {
    const slash = port.lastIndexOf('/');
    const ips = used.get(port.slice(0, slash));
    if (!ips) continue;
    const ip = port.slice(slash + 1);
    if (ip === '0.0.0.0' || ips.includes('0.0.0.0') || ips.includes(ip)) return true;
  }
  return false;
}

/** NodeResourcesFit: pods first, then every resource that does not fit (so both cpu and memory can show). */
function fitsResources(f: PodFacts, n: NodeInfo): Failure | undefined {
  const out: string[] = [];
  if (n.podCount + 1 > n.allocPods) out.push(reasons.tooManyPods);
  if (f.cpu > 0 && f.cpu > n.allocCpu - n.reqCpu) out.push(reasons.cpu);
  if (f.mem > 0 && f.mem > n.allocMem - n.reqMem) out.push(reasons.memory);
  return out.length ? { reasons: out, resolvable: true } : undefined;
}

/** Score weights of the default profile (kube-scheduler v1 config defaults). */
export const weights = { leastAllocated: 1, balanced: 1, nodeAffinity: 2, spread: 2, taints: 3 } as const;

const leastAllocated = (alloc: number, req: number) => (alloc <= 0 || req > alloc ? 0 : Math.floor(((alloc - req) * 100) / alloc));

/** NodeResourcesFit (LeastAllocated) over cpu and memory, with the pod's non-zero requests added. */
export function leastAllocatedScore(f: PodFacts, n: NodeInfo): number {
  return Math.floor((leastAllocated(n.allocCpu, n.nzCpu + f.nzCpu) + leastAllocated(n.allocMem, n.nzMem + f.nzMem)) / 2);
}

/** NodeResourcesBalancedAllocation: 100 when cpu and memory are used in the same proportion. */
export function balancedScore(f: PodFacts, n: NodeInfo): number {
  const cpu = n.allocCpu > 0 ? Math.min(1, (n.reqCpu + f.cpu) / n.allocCpu) : 1;
  const mem = n.allocMem > 0 ? Math.min(1, (n.reqMem + f.mem) / n.allocMem) : 1;
  return Math.floor((1 - Math.abs(cpu - mem) / 2) * 100);
}

/** Raw inputs of the normalised scores: summed per node, normalised over the feasible nodes. */
export function rawAffinity(p: PodSchedulingInfo, n: NodeInfo): number {
  return p.preferredTerms ? preferredAffinityWeight(p.preferredTerms, n.name, n.labels) : 0;
}

export function rawPreferNoSchedule(p: PodSchedulingInfo, n: NodeInfo): number {
  let count = 0;
  for (const t of n.taints) if (t.effect === 'PreferNoSchedule' && !isTolerated(t, p.tolerations)) count++;
  return count;
}

/**
 * PodTopologySpread's default constraint over hostnames (maxSkew 3, ScheduleAnyway), with "same workload"
 * meaning the same controller: raw = pods of that controller on the node + maxSkew - 1.
 */
export const spreadMaxSkew = 3;
export function rawSpread(p: PodSchedulingInfo, n: NodeInfo): number {
  return (p.facts.spreadKey ? (n.spread.get(p.facts.spreadKey) ?? 0) : 0) + spreadMaxSkew - 1;
}

/** The FitError message kube-scheduler writes into PodScheduled and the FailedScheduling event. */
export function unschedulableMessage(nodeCount: number, failures: Failure[]): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  const histogram = (counts: Map<string, number>) => [...counts].map(([r, c]) => `${c} ${r}`).sort().join(', ');
  const byReason = new Map<string, number>();
  const byPreemption = new Map<string, number>();
  for (const f of failures) {
    for (const r of f.reasons) byReason.set(r, (byReason.get(r) ?? 0) + 1);
    // skiff does not preempt; the message says what kube-scheduler's dry run finds with equal priorities
    const pre = f.resolvable ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling';
    byPreemption.set(pre, (byPreemption.get(pre) ?? 0) + 1);
  }
  return `0/${nodeCount} nodes are available: ${histogram(byReason)}. preemption: 0/${nodeCount} nodes are available: ${histogram(byPreemption)}.`;
}
