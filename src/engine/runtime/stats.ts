// Stats as cadvisor/containerd report them: cpu usage in core-ns (and nano-cores between two readings),
// memory working set = usage - inactive_file, the writable layer's size; a pod's is the sum of its
// containers' (the pause container included) plus the sandbox's network interfaces.
import type { ContainerRecord, Engine } from '../types.ts';
import type * as Cri from '../types/runtime.ts';
import { criAnnotations, criLabels } from './labels.ts';
import { containerMetadataOf, podMetadataOf } from './status.ts';

/** the previous reading of each container, for usageNanoCores (a rate needs two points; memory only) */
export type CpuReadings = Map<string, { ns: number; usage: number }>;

interface Reading {
  timestamp: number;
  cpu: Cri.ContainerStats['cpu'];
  memory: Cri.ContainerStats['memory'];
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

async function readContainer(engine: Engine, rec: ContainerRecord, prev: CpuReadings): Promise<Reading> {
  const s = await engine.containers.stats(rec.id);
  // sub-ms: two readings in a row still give a rate
  const timestamp = Math.round((performance.timeOrigin + performance.now()) * 1e6);
  const inactive = s.memoryStats.total_inactive_file ?? s.memoryStats.inactive_file ?? 0;
  const last = prev.get(rec.id);
  prev.set(rec.id, { ns: timestamp, usage: s.cpuTotalNs });
  const nanoCores = last && timestamp > last.ns && s.cpuTotalNs >= last.usage ? Math.round(((s.cpuTotalNs - last.usage) / (timestamp - last.ns)) * 1e9) : undefined;
  return {
    timestamp,
    cpu: { usageCoreNanoSeconds: s.cpuTotalNs, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}) },
    memory: {
      workingSetBytes: Math.max(0, s.memoryUsage - inactive), usageBytes: s.memoryUsage,
      rssBytes: s.memoryStats.total_rss ?? s.memoryStats.rss ?? 0,
      pageFaults: s.memoryStats.total_pgfault ?? s.memoryStats.pgfault ?? 0,
    },
    ...(s.networks ? { networks: s.networks } : {}),
  };
}

export async function containerStats(engine: Engine, rec: ContainerRecord, prev: CpuReadings): Promise<Cri.ContainerStats> {
  const [r, size] = await Promise.all([readContainer(engine, rec, prev), engine.containers.size(rec.id).catch(() => null)]);
  return {
    id: rec.id, metadata: containerMetadataOf(rec), labels: criLabels(rec.spec.labels), annotations: criAnnotations(rec.spec.labels),
    timestamp: r.timestamp, cpu: r.cpu, memory: r.memory,
    ...(size ? { writableLayer: { usedBytes: size.sizeRw } } : {}),
  };
}

export async function podSandboxStats(engine: Engine, sandbox: ContainerRecord, containers: ContainerRecord[], prev: CpuReadings): Promise<Cri.PodSandboxStats> {
  const running = containers.filter((c) => c.state.status === 'running');
  const [pause, stats] = await Promise.all([
    readContainer(engine, sandbox, prev),
    Promise.all(running.map((c) => containerStats(engine, c, prev))),
  ]);
  const all = [pause, ...stats];
  const sum = (f: (x: Reading | Cri.ContainerStats) => number | undefined) => all.reduce((a, x) => a + (f(x) ?? 0), 0);
  const nano = all.every((x) => x.cpu.usageNanoCores !== undefined) ? sum((x) => x.cpu.usageNanoCores) : undefined;
  return {
    id: sandbox.id, metadata: podMetadataOf(sandbox), timestamp: pause.timestamp,
    cpu: { usageCoreNanoSeconds: sum((x) => x.cpu.usageCoreNanoSeconds), ...(nano !== undefined ? { usageNanoCores: nano } : {}) },
    memory: { workingSetBytes: sum((x) => x.memory.workingSetBytes), usageBytes: sum((x) => x.memory.usageBytes) },
    ...(pause.networks ? { network: { interfaces: Object.entries(pause.networks).map(([name, n]) => ({ name, rxBytes: n.rx_bytes, txBytes: n.tx_bytes })) } } : {}),
    containers: stats,
  };
}
