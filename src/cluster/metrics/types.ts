// metrics.k8s.io/v1beta1 as metrics-server serves it: NodeMetrics and PodMetrics (cpu and memory usage over
// a window), read-only, named and labelled as the node or pod they describe.
import type { KObject } from '../types/meta.ts';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

export interface Usage {
  cpu: string;
  memory: string;
}

export interface NodeMetrics extends KObject {
  kind: 'NodeMetrics';
  timestamp: string;
  window: string;
  usage: Usage;
}

export interface ContainerMetrics {
  name: string;
  usage: Usage;
}

export interface PodMetrics extends KObject {
  kind: 'PodMetrics';
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** What one scrape of a node's kubelet gave, already in metrics' terms (before the node's or pods' metadata is joined) */
export interface NodeUsage {
  timestamp: string;
  windowMs: number;
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  timestamp: string;
  windowMs: number;
  containers: Array<{ name: string; cpuNanoCores: number; memoryBytes: number }>;
}

export interface NodeScrape {
  node: NodeUsage | undefined;
  pods: PodUsage[];
}
