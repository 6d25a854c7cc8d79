// Resource usage and processes of a container, from its cgroup v1 directories (/sys/fs/cgroup/<ctrl>/<cgroup path>,
// skiff/<id> unless the container has a cgroup parent)
// and the host's /proc, as docker reports them (`docker stats`, `docker top`).
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { ContainerStats, InterfaceStats } from '../types.ts';
import { internal, invalidArgument } from '../../lib/errors.ts';

const cgroupRoot = process.env.SKIFF_CGROUP_ROOT ?? '/sys/fs/cgroup';
const cg = (ctrl: string, path: string, file: string) => `${cgroupRoot}/${ctrl}/${path}/${file}`;
const readNum = async (p: string) => Number((await readFile(p, 'utf8').catch(() => '0')).trim()) || 0;

/** Sum of the host's cpu time in nanoseconds (/proc/stat's first line, in USER_HZ = 100). */
export function parseProcStat(text: string): { systemCpuNs: number; onlineCpus: number } {
  const lines = text.split('\n');
  const cpu = lines[0].trim().split(/\s+/).slice(1, 8).map(Number);
  const ticks = cpu.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const onlineCpus = lines.filter((l) => /^cpu\d+ /.test(l)).length || availableParallelism();
  return { systemCpuNs: ticks * 1e7, onlineCpus };
}

export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && Number.isFinite(Number(v))) out[k] = Number(v);
  }
  return out;
}

/** /proc/<pid>/net/dev: the counters of each interface but lo. */
export function parseNetDev(text: string): Record<string, InterfaceStats> {
  const out: Record<string, InterfaceStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (name === 'lo' || f.length < 16) continue;
    out[name] = { rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3], tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11] };
  }
  return out;
}

/** The network counters of the container whose process is `pid` (read in its own network namespace). */
export async function readNetworkStats(pid: number): Promise<Record<string, InterfaceStats> | undefined> {
  if (!pid) return undefined;
  const text = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => null); // exited meanwhile
  return text === null ? undefined : parseNetDev(text);
}

export async function readStats(cgPath: string, netPid = 0): Promise<ContainerStats> {
  const [usage, limit, memStat, cpuTotal, percpu, pids, procStat, networks] = await Promise.all([
    readNum(cg('memory', cgPath, 'memory.usage_in_bytes')),
    readNum(cg('memory', cgPath, 'memory.limit_in_bytes')),
    readFile(cg('memory', cgPath, 'memory.stat'), 'utf8').catch(() => ''),
    readNum(cg('cpuacct', cgPath, 'cpuacct.usage')),
    readFile(cg('cpuacct', cgPath, 'cpuacct.usage_percpu'), 'utf8').catch(() => ''),
    readNum(cg('pids', cgPath, 'pids.current')),
    readFile('/proc/stat', 'utf8'),
    readNetworkStats(netPid),
  ]);
  const { systemCpuNs, onlineCpus } = parseProcStat(procStat);
  return {
    read: new Date().toISOString(),
    pidsCurrent: pids,
    memoryUsage: usage,
    memoryLimit: limit,
    memoryStats: parseKeyValues(memStat),
    cpuTotalNs: cpuTotal,
    cpuPercpuNs: percpu.trim().split(/\s+/).filter(Boolean).map(Number),
    systemCpuNs,
    onlineCpus,
    ...(networks ? { networks } : {}),
  };
}

/** Pids in the container's cgroup (any v1 controller that has it). */
export async function containerPids(cgPath: string): Promise<Set<number>> {
  for (const ctrl of ['pids', 'memory', 'cpu', 'freezer']) {
    const text = await readFile(cg(ctrl, cgPath, 'cgroup.procs'), 'utf8').catch(() => null);
    if (text !== null) return new Set(text.split('\n').filter(Boolean).map(Number));
  }
  return new Set();
}

/** Parse `ps` output into docker's top shape, keeping the rows whose PID is in `pids` (docker's parsePSOutput). */
export function parsePs(output: string, pids: Set<number>): { Titles: string[]; Processes: string[][] } {
  const lines = output.split('\n').filter((l) => l.trim());
  if (!lines.length) return { Titles: [], Processes: [] };
  const titles = lines[0].trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw invalidArgument('Couldn\'t find PID field in ps output');
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < titles.length) continue;
    const row = fields.slice(0, titles.length - 1);
    row.push(fields.slice(titles.length - 1).join(' '));
    if (pids.has(Number(fields[pidIndex]))) processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}

export async function top(cgPath: string, psArgs = '-ef'): Promise<{ Titles: string[]; Processes: string[][] }> {
  const pids = await containerPids(cgPath);
  const args = psArgs.trim() ? psArgs.trim().split(/\s+/) : ['-ef'];
  const output = await new Promise<string>((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(internal(`ps: ${String(stderr).trim() || err.message}`));
      else resolve(stdout);
    });
  });
  return parsePs(output, pids);
}
