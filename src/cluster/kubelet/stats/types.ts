// The kubelet's Summary API (GET /stats/summary), as k8s.io/kubelet/pkg/apis/stats/v1alpha1 shapes it:
// the node's cpu and memory, and per pod its own totals and each running container's. Times are RFC 3339.
// usageNanoCores is a rate: the change of usageCoreNanoSeconds between two readings.

export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  txBytes: number;
}

export interface NetworkStats extends Partial<InterfaceStats> {
  time: string;
  interfaces: InterfaceStats[];
}

export interface FsStats {
  time: string;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}

export interface ContainerSummary {
  name: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
  rootfs?: FsStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerSummary[];
  cpu: CpuStats;
  memory: MemoryStats;
  network?: NetworkStats;
}

export interface NodeSummary {
  nodeName: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
  fs?: FsStats;
}

export interface Summary {
  node: NodeSummary;
  pods: PodSummary[];
}
