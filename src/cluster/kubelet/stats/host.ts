// The node's own figures from the host's /proc, as cadvisor reports its root container: cpu time from
// /proc/stat (USER_HZ ticks), memory usage = MemTotal - MemFree and working set = usage - Inactive(file)
// from /proc/meminfo, page faults from /proc/vmstat, the boot time for startTime, the root filesystem by statfs.
import { readFile, statfs } from 'node:fs/promises';

/** USER_HZ: the unit of /proc/stat, 100 on every Linux ABI */
const USER_HZ = 100;

export interface HostReading {
  /** unix ms of the reading */
  at: number;
  bootTime: number;
  cpuNs: number;
  memory: { totalBytes: number; usageBytes: number; workingSetBytes: number; rssBytes: number; pageFaults: number; majorPageFaults: number };
  fs?: { capacityBytes: number; availableBytes: number; usedBytes: number; inodes: number; inodesFree: number };
}

/** busy cpu time of the whole machine (everything but idle and iowait), in ns */
export function parseProcStatCpu(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no cpu line');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy * (1e9 / USER_HZ);
}

/** /proc/meminfo in bytes by key */
export function parseMeminfo(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const r = /^([^:]+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (r) m.set(r[1], Number(r[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return m;
}

export function memoryOf(meminfo: Map<string, number>, vmstat: Map<string, number>): HostReading['memory'] {
  const total = meminfo.get('MemTotal') ?? 0;
  const usage = total - (meminfo.get('MemFree') ?? 0);
  return {
    totalBytes: total, usageBytes: usage,
    workingSetBytes: Math.max(0, usage - (meminfo.get('Inactive(file)') ?? 0)),
    rssBytes: meminfo.get('AnonPages') ?? 0,
    pageFaults: vmstat.get('pgfault') ?? 0, majorPageFaults: vmstat.get('pgmajfault') ?? 0,
  };
}

function parseVmstat(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v) m.set(k, Number(v));
  }
  return m;
}

export async function readHost(fsPath = '/'): Promise<HostReading> {
  const [stat, meminfo, vmstat, fs] = await Promise.all([
    readFile('/proc/stat', 'utf8'), readFile('/proc/meminfo', 'utf8'), readFile('/proc/vmstat', 'utf8'),
    statfs(fsPath).catch(() => undefined), // no filesystem figures rather than no summary
  ]);
  const btime = Number(/^btime (\d+)/m.exec(stat)?.[1] ?? 0) * 1000;
  return {
    at: Date.now(), bootTime: btime, cpuNs: parseProcStatCpu(stat), memory: memoryOf(parseMeminfo(meminfo), parseVmstat(vmstat)),
    ...(fs ? { fs: { capacityBytes: fs.blocks * fs.bsize, availableBytes: fs.bavail * fs.bsize, usedBytes: (fs.blocks - fs.bfree) * fs.bsize, inodes: fs.files, inodesFree: fs.ffree } } : {}),
  };
}
