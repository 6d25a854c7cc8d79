// The Summary computed from one pass of readings: the host's (./host.ts) and each ready pod's sandbox
// stats from the RuntimeService. usageNanoCores needs two readings of a cumulative counter, so the last
// reading of every counter (node, pod, container) is kept between passes; a counter seen for the first
// time gets its average since it started, and readings closer than a second reuse the last rate (noise).
import type { ContainerStats, PodSandbox, PodSandboxStats } from '../../../engine/types/runtime.ts';
import type { HostReading } from './host.ts';
import type { ContainerSummary, CpuStats, PodSummary, Summary } from './types.ts';

/** the last reading of each cumulative cpu counter, by key ('node', 'pod/<id>', 'ctr/<id>'); ns */
export type CpuHistory = Map<string, { at: number; usage: number; rate?: number }>;

const MIN_WINDOW_NS = 1e9;

/** nano-cores for a counter at `at` (unix ns), remembered in `history`; startNs: when the counter began at 0 */
export function cpuRate(history: CpuHistory, key: string, at: number, usage: number, startNs: number): number | undefined {
  const last = history.get(key);
  if (last && usage >= last.usage) {
    if (at - last.at < MIN_WINDOW_NS) return last.rate;
    const rate = Math.round(((usage - last.usage) / (at - last.at)) * 1e9);
    history.set(key, { at, usage, rate });
    return rate;
  }
  // first reading, or the counter went back (a restarted container): the average since it started
  const rate = startNs > 0 && at > startNs ? Math.round((usage / (at - startNs)) * 1e9) : undefined;
  history.set(key, { at, usage, rate });
  return rate;
}

const iso = (ns: number) => new Date(Math.floor(ns / 1e6)).toISOString().replace(/\.\d{3}Z$/, 'Z');

function cpuOf(history: CpuHistory, key: string, at: number, usage: number, startNs: number): CpuStats {
  const rate = cpuRate(history, key, at, usage, startNs);
  return { time: iso(at), ...(rate !== undefined ? { usageNanoCores: rate } : {}), usageCoreNanoSeconds: usage };
}

export interface PodReading {
  sandbox: PodSandbox;
  stats: PodSandboxStats;
}

function containerSummary(c: ContainerStats, startNs: number, history: CpuHistory): ContainerSummary {
  const time = iso(c.timestamp);
  return {
    name: c.metadata.name,
    startTime: iso(startNs || c.timestamp),
    cpu: cpuOf(history, `ctr/${c.id}`, c.timestamp, c.cpu.usageCoreNanoSeconds, startNs),
    memory: {
      time, workingSetBytes: c.memory.workingSetBytes,
      ...(c.memory.usageBytes !== undefined ? { usageBytes: c.memory.usageBytes } : {}),
      ...(c.memory.rssBytes !== undefined ? { rssBytes: c.memory.rssBytes } : {}),
      ...(c.memory.pageFaults !== undefined ? { pageFaults: c.memory.pageFaults } : {}),
    },
    ...(c.writableLayer ? { rootfs: { time, usedBytes: c.writableLayer.usedBytes, ...(c.writableLayer.inodesUsed !== undefined ? { inodesUsed: c.writableLayer.inodesUsed } : {}) } } : {}),
  };
}

function podSummary(p: PodReading, containerStart: ReadonlyMap<string, number>, history: CpuHistory): PodSummary {
  const { sandbox, stats } = p;
  const containers = stats.containers.map((c) => containerSummary(c, containerStart.get(c.id) ?? 0, history));
  const cpu = cpuOf(history, `pod/${sandbox.id}`, stats.timestamp, stats.cpu.usageCoreNanoSeconds, sandbox.createdAt);
  const ifaces = stats.network?.interfaces ?? [];
  const main = ifaces.find((i) => i.name === 'eth0') ?? ifaces[0];
  return {
    podRef: { name: sandbox.metadata.name, namespace: sandbox.metadata.namespace, uid: sandbox.metadata.uid },
    startTime: iso(sandbox.createdAt),
    containers,
    cpu,
    memory: { time: iso(stats.timestamp), workingSetBytes: stats.memory.workingSetBytes, ...(stats.memory.usageBytes !== undefined ? { usageBytes: stats.memory.usageBytes } : {}) },
    ...(ifaces.length ? { network: { time: iso(stats.timestamp), ...main, interfaces: ifaces } } : {}),
  };
}

/** The Summary of one pass; `history` is updated and forgets counters that are gone */
export function buildSummary(nodeName: string, host: HostReading, pods: PodReading[], containerStart: ReadonlyMap<string, number>, history: CpuHistory): Summary {
  const at = host.at * 1e6;
  const mem = host.memory;
  const summary: Summary = {
    node: {
      nodeName,
      startTime: iso(host.bootTime * 1e6),
      cpu: cpuOf(history, 'node', at, host.cpuNs, host.bootTime * 1e6),
      memory: {
        time: iso(at), availableBytes: Math.max(0, mem.totalBytes - mem.workingSetBytes), usageBytes: mem.usageBytes,
        workingSetBytes: mem.workingSetBytes, rssBytes: mem.rssBytes, pageFaults: mem.pageFaults, majorPageFaults: mem.majorPageFaults,
      },
      ...(host.fs ? { fs: { time: iso(at), ...host.fs, inodesUsed: host.fs.inodes - host.fs.inodesFree } } : {}),
    },
    pods: pods.map((p) => podSummary(p, containerStart, history)),
  };
  const seen = new Set(['node', ...pods.flatMap((p) => [`pod/${p.sandbox.id}`, ...p.stats.containers.map((c) => `ctr/${c.id}`)])]);
  for (const key of history.keys()) if (!seen.has(key)) history.delete(key);
  return summary;
}
