// kube's replica calculator (pkg/controller/podautoscaler/replica_calculator.go) for Resource and
// ContainerResource metrics: which pods count (pending and not-yet-ready pods are set aside, pods without metrics
// are "missing"), the usage ratio against the target, the tolerance, and the cautious re-run that treats missing
// pods as at target on a scale-down and idle on a scale-up. Pure functions: pods and metrics in, replicas out.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { getPodCondition } from '../../types/pod.ts';
import { cpuMillis } from '../../types/quantity.ts';

/** kube-controller-manager's defaults (--horizontal-pod-autoscaler-*) */
export const DEFAULT_TOLERANCE = 0.1;
export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

/** one pod's usage of one resource, in milli-units (millicores, milli-bytes), with when and over what it was measured */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalcOptions {
  tolerance: number;
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
  now: number;
}

export interface ResourceReplicas {
  replicas: number;
  /** whole percent of the requests (Utilization targets) */
  utilization?: number;
  /** the average usage per pod, in milli-units */
  rawAverage: number;
}

/** kube's groupPods: how many pods are ready with metrics, which are ignored (pending, or cpu not yet trustworthy), which have no metrics */
export function groupPods(pods: Pod[], metrics: PodMetrics, resource: string, o: CalcOptions): { ready: number; ignored: Set<string>; missing: Set<string> } {
  const ignored = new Set<string>();
  const missing = new Set<string>();
  let ready = 0;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') continue;
    if (!pod.status?.phase || pod.status.phase === 'Pending') {
      ignored.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = getPodCondition(pod.status, 'Ready');
      const start = pod.status.startTime ? Date.parse(pod.status.startTime) : undefined;
      let ignore: boolean;
      if (!cond || start === undefined) ignore = true;
      else {
        const transition = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : 0;
        // within its start-up period a pod counts once ready and measured for a whole window since
        if (start + o.cpuInitializationPeriodMs > o.now) ignore = cond.status === 'False' || metric.timestamp < transition + metric.windowMs;
        // after it, only a pod that is unready and has never been ready is left out
        else ignore = cond.status === 'False' && start + o.initialReadinessDelayMs > transition;
      }
      if (ignore) {
        ignored.add(name);
        continue;
      }
    }
    ready++;
  }
  return { ready, ignored, missing };
}

/** each pod's request for the resource (milli-units), summed over its containers (or the one named); an Error when one is missing */
export function podRequests(pods: Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const q = c.resources?.requests?.[resource];
      if (q === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
      sum += cpuMillis(q);
    }
    out.set(pod.metadata?.name ?? '', sum);
  }
  return out;
}

/** kube's GetResourceUtilizationRatio: usage over requests of the pods that have both, against the target percent */
export function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, target: number): { ratio: number; utilization: number; rawAverage: number } {
  let used = 0;
  let requested = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    used += m.value;
    requested += r;
    n++;
  }
  if (requested === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / target, utilization, rawAverage: Math.trunc(used / n) };
}

/** kube's GetMetricUsageRatio: the average usage against an average-value target */
function usageRatio(metrics: PodMetrics, target: number): { ratio: number; average: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / target, average };
}

/** the replica count for a ratio, after kube's rules for ignored and missing pods */
function settle(current: number, pods: Pod[], metrics: PodMetrics, resource: string, o: CalcOptions, ratioOf: (m: PodMetrics) => number, missingAtTarget: (name: string) => number, strictDirection: boolean): number {
  const { ready, ignored, missing } = groupPods(pods, metrics, resource, o);
  for (const name of ignored) metrics.delete(name);
  if (metrics.size === 0) throw new Error('did not receive metrics for any ready pods');
  const ratio = ratioOf(metrics);
  const rebalanceIgnored = ignored.size > 0 && ratio > 1;
  if (!rebalanceIgnored && missing.size === 0) {
    if (Math.abs(1 - ratio) <= o.tolerance) return current;
    return Math.ceil(ratio * ready);
  }
  // missing pods: at target (100 % of the request) on a scale-down, idle on a scale-up
  for (const name of missing) metrics.set(name, { value: ratio < 1 ? missingAtTarget(name) : 0, timestamp: 0, windowMs: 0 });
  // not-yet-ready pods count as idle on a scale-up
  if (rebalanceIgnored) for (const name of ignored) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  const again = ratioOf(metrics);
  // too small a change, or one that flips the direction: stay
  if (Math.abs(1 - again) <= o.tolerance || (ratio < 1 && again > 1) || (ratio > 1 && again < 1)) return current;
  const replicas = Math.ceil(again * metrics.size);
  if (strictDirection && ((again < 1 && replicas > current) || (again > 1 && replicas < current))) return current;
  return replicas;
}

/** kube's GetResourceReplicas: a Utilization target (percent of the pods' requests) */
export function resourceReplicasForUtilization(current: number, target: number, resource: string, pods: Pod[], metrics: PodMetrics, o: CalcOptions, container?: string): ResourceReplicas {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const m = new Map(metrics);
  const requests = podRequests(pods, resource, container);
  // the figures reported are those of the measured, counted pods (before missing ones are filled in)
  const { ignored } = groupPods(pods, m, resource, o);
  const counted = new Map([...m].filter(([k]) => !ignored.has(k)));
  if (counted.size === 0) throw new Error('did not receive metrics for any ready pods');
  const first = utilizationRatio(counted, requests, target);
  const replicas = settle(current, pods, m, resource, o, (x) => utilizationRatio(x, requests, target).ratio, (name) => requests.get(name) ?? 0, true);
  return { replicas, utilization: first.utilization, rawAverage: first.rawAverage };
}

/** kube's GetRawResourceReplicas: an AverageValue target (milli-units per pod) */
export function resourceReplicasForAverageValue(current: number, target: number, resource: string, pods: Pod[], metrics: PodMetrics, o: CalcOptions): ResourceReplicas {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const m = new Map(metrics);
  const { ignored } = groupPods(pods, m, resource, o);
  const counted = new Map([...m].filter(([k]) => !ignored.has(k)));
  if (counted.size === 0) throw new Error('did not receive metrics for any ready pods');
  const first = usageRatio(counted, target);
  const replicas = settle(current, pods, m, resource, o, (x) => usageRatio(x, target).ratio, () => target, false);
  return { replicas, rawAverage: first.average };
}
