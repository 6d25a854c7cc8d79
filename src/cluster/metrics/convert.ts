// From a kubelet's Summary to metrics: what metrics-server keeps of it (the cpu rate and the working set),
// and the NodeMetrics/PodMetrics objects with the node's or pod's own metadata joined in.
import type { Summary } from '../kubelet/stats/index.ts';
import type { KObject } from '../types/meta.ts';
import { formatMemory } from '../types/quantity.ts';
import { METRICS_API_VERSION, type NodeMetrics, type NodeScrape, type NodeUsage, type PodMetrics, type PodUsage } from './types.ts';

/** nano-cores in the canonical form a Quantity has: 2000000000 → 2, 250000000 → 250m, 1500 → 1500n */
export function formatNanoCores(n: number): string {
  const v = Math.max(0, Math.round(n));
  if (v === 0) return '0';
  if (v % 1e9 === 0) return String(v / 1e9);
  if (v % 1e6 === 0) return `${v / 1e6}m`;
  if (v % 1e3 === 0) return `${v / 1e3}u`;
  return `${v}n`;
}

/** a window as a Go duration prints it: 15.02s, 1m0.5s */
export function formatWindow(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${+s.toFixed(3)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${+(s - m * 60).toFixed(3)}s`;
}

/**
 * The usage in one Summary. A rate the kubelet could not give yet (its first reading of a counter) leaves that
 * pod or node out, as metrics-server does. windowMs: since this server's previous scrape of the node, or
 * since the pod started (the kubelet's first rate is the average since then).
 */
export function usageOf(s: Summary, previousScrape: number | undefined): NodeScrape {
  const at = (t: string) => Date.parse(t);
  const windowFrom = (time: string, start: string) => at(time) - (previousScrape ?? at(start));
  const node: NodeUsage | undefined = s.node.cpu.usageNanoCores === undefined ? undefined : {
    timestamp: s.node.cpu.time, windowMs: windowFrom(s.node.cpu.time, s.node.startTime),
    cpuNanoCores: s.node.cpu.usageNanoCores, memoryBytes: s.node.memory.workingSetBytes,
  };
  const pods: PodUsage[] = [];
  for (const p of s.pods) {
    if (!p.containers.length || p.containers.some((c) => c.cpu.usageNanoCores === undefined)) continue;
    pods.push({
      namespace: p.podRef.namespace, name: p.podRef.name, timestamp: p.cpu.time,
      windowMs: Math.max(...p.containers.map((c) => windowFrom(c.cpu.time, c.startTime))),
      containers: p.containers.map((c) => ({ name: c.name, cpuNanoCores: c.cpu.usageNanoCores!, memoryBytes: c.memory.workingSetBytes })),
    });
  }
  return { node, pods };
}

/** metrics-server's metadata: the object's name, namespace and labels, created now */
function metadataOf(obj: KObject, now: Date): KObject['metadata'] {
  const m = obj.metadata ?? {};
  return {
    name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}),
    creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(m.labels ? { labels: m.labels } : {}),
  };
}

export function nodeMetricsOf(node: KObject, u: NodeUsage, now: Date): NodeMetrics {
  return {
    kind: 'NodeMetrics', apiVersion: METRICS_API_VERSION, metadata: metadataOf(node, now),
    timestamp: u.timestamp, window: formatWindow(u.windowMs),
    usage: { cpu: formatNanoCores(u.cpuNanoCores), memory: formatMemory(u.memoryBytes) },
  };
}

export function podMetricsOf(pod: KObject, u: PodUsage, now: Date): PodMetrics {
  return {
    kind: 'PodMetrics', apiVersion: METRICS_API_VERSION, metadata: metadataOf(pod, now),
    timestamp: u.timestamp, window: formatWindow(u.windowMs),
    containers: u.containers.map((c) => ({ name: c.name, usage: { cpu: formatNanoCores(c.cpuNanoCores), memory: formatMemory(c.memoryBytes) } })),
  };
}
