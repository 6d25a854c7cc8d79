// Where the HPA controller reads resource metrics: the server's in-process metrics (what metrics.k8s.io serves),
// turned into kube's PodMetricsInfo for one resource — milli-units per pod, summed over its containers (or the
// one named); a pod lacking a container's figure has no metric, as kube's resource metrics client does.
import type { PodUsage } from '../../metrics/types.ts';
import type { PodMetrics } from './replicas.ts';

/** the pod usages of one namespace, as fresh as the metrics API would answer */
export interface ResourceMetricsSource {
  podUsages(namespace: string): Promise<PodUsage[]>;
}

/** one container's usage of cpu (millicores, rounded up as MilliValue is) or memory (milli-bytes) */
function milliOf(c: PodUsage['containers'][number], resource: string): number | undefined {
  if (resource === 'cpu') return Math.ceil(c.cpuNanoCores / 1e6);
  if (resource === 'memory') return c.memoryBytes * 1000;
  return undefined;
}

/** kube's GetResourceMetric: each pod's usage of the resource among those the selector chose */
export async function resourceMetric(source: ResourceMetricsSource, namespace: string, podNames: Set<string>, resource: string, container?: string): Promise<PodMetrics> {
  const usages = (await source.podUsages(namespace)).filter((u) => podNames.has(u.name));
  if (usages.length === 0) throw new Error('no metrics returned from resource metrics API');
  const out: PodMetrics = new Map();
  for (const u of usages) {
    const containers = container ? u.containers.filter((c) => c.name === container) : u.containers;
    if (containers.length === 0) continue;
    let value = 0;
    let complete = true;
    for (const c of containers) {
      const v = milliOf(c, resource);
      if (v === undefined) complete = false;
      else value += v;
    }
    if (complete) out.set(u.name, { value, timestamp: Date.parse(u.timestamp), windowMs: u.windowMs });
  }
  return out;
}
